#include "config.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

using namespace socketbox::relay;

namespace {

// A config file in a fresh temporary directory, removed at scope exit.
struct TempConfig {
  std::string dir, path;
  explicit TempConfig(const std::string& text) {
    char tmpl[] = "/tmp/sb-relay-test-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/relay.toml";
    std::ofstream(path) << text;
  }
  ~TempConfig() {
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
};

}  // namespace

TEST_CASE("--relay options", "[config]") {
  const auto r = parse_relay_option("/run/a.sock=tcp:[::1]:8080,proxy=v2,netns=web");
  CHECK(r.path == "/run/a.sock");
  CHECK(r.target.text == "tcp:[::1]:8080");
  CHECK(r.proxy == ProxyVersion::kV2);
  CHECK(r.netns == "web");
  CHECK(parse_relay_option("/a=unix:/b").proxy == ProxyVersion::kNone);
  CHECK_THROWS_WITH(parse_relay_option("/a"), Catch::Contains("expected PATH=TARGET"));
  CHECK_THROWS_WITH(parse_relay_option("/a=tcp:x:1"), Catch::Contains("bad target"));
  CHECK_THROWS_WITH(parse_relay_option("/a=unix:/b,proxy=v9"), Catch::Contains("proxy must be"));
  CHECK_THROWS_WITH(parse_relay_option("/a=unix:/b,foo=1"), Catch::Contains("unknown option"));
}

TEST_CASE("config file relays", "[config]") {
  TempConfig c(
      "[[relay]]\npath = \"/run/a.sock\"\ntarget = \"tcp:127.0.0.1:80\"\nproxy = \"v1\"\n"
      "[[relay]]\npath = \"/run/b.sock\"\ntarget = \"unix:/run/b.app\"\n");
  const auto rs = load_config_file(c.path);
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].proxy == ProxyVersion::kV1);
  CHECK(rs[1].target.family() == AF_UNIX);
}

TEST_CASE("config errors name file:line:column", "[config]") {
  {
    TempConfig c("[[relay]]\npath = \"/a\"\ntarget = \"tcp:nope:1\"\n");
    CHECK_THROWS_WITH(load_config_file(c.path),
                      Catch::StartsWith(c.path + ":3:10: error: bad target"));
  }
  {
    TempConfig c("[[relay]]\npath = \"/a\"\ntarget = \"unix:/b\"\ncolour = \"red\"\n");
    CHECK_THROWS_WITH(load_config_file(c.path),
                      Catch::StartsWith(c.path + ":4:10: error: unknown key 'colour'"));
  }
  {
    TempConfig c("[[relay]]\npath = \"/a\"\n");
    CHECK_THROWS_WITH(load_config_file(c.path), Catch::Contains("needs 'path' and 'target'"));
  }
  {
    TempConfig c("[[relay]\n");
    CHECK_THROWS_WITH(load_config_file(c.path), Catch::StartsWith(c.path + ":1:"));
  }
  {
    TempConfig c("[[relay]]\npath = \"/a\"\ntarget = \"unix:/b\"\nproxy = \"v7\"\n");
    CHECK_THROWS_WITH(load_config_file(c.path), Catch::StartsWith(c.path + ":4:9: error: 'proxy'"));
  }
  CHECK_THROWS_WITH(load_config_file("/nonexistent/relay.toml"),
                    Catch::StartsWith("/nonexistent/relay.toml"));
}

TEST_CASE("a path named twice is refused", "[config]") {
  std::vector<RelaySpec> rs{parse_relay_option("/a=unix:/b"), parse_relay_option("/a=unix:/c")};
  CHECK_THROWS_WITH(check_relays(rs), Catch::Contains("named twice"));
}
