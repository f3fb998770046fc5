// The linter: each check, with its exact message and position.
#include <catch2/catch.hpp>

#include "lint/linter.hpp"

using namespace socketbox::sbctl;

namespace {

std::vector<std::string> lint(const std::string& text, const LintEnvironment& env = {}) {
  std::vector<std::string> out;
  for (const auto& d : lint_profile(parse_profile(text, "l.toml"), env))
    out.push_back(d.format("l.toml"));
  return out;
}

const std::string kSteer = R"([[steer]]
prefixes = ["fd01:db8:1:40::/64", "192.0.2.0/24"]
ports = [22, 80, 443]
)";

}  // namespace

TEST_CASE("a clean profile has nothing to say", "[lint]") {
  CHECK(lint(kSteer + R"([[route]]
dest = "fd01:db8:1:40::/64"
to = "unix:/a"
[[route]]
dest = "192.0.2.0/24"
to = "unix:/b"
)")
            .empty());
}

TEST_CASE("the seed profile lints clean", "[lint]") {
  CHECK(lint_profile(load_profile(SBCTL_PROFILES_DIR "/seed-split-horizon.toml")).empty());
}

TEST_CASE("no steering at all", "[lint]") {
  CHECK(lint("[[route]]\nto = \"unix:/a\"\n") ==
        std::vector<std::string>{
            "l.toml: warning: no [[steer]] blocks: the kernel sends no traffic to sbd"});
}

TEST_CASE("a route outside every steered prefix or port", "[lint]") {
  CHECK(lint(kSteer + R"([[route]]
dest = "fd01:db8:1:41::1"
to = "unix:/a"
[[route]]
name = "alt-http"
dest = "fd01:db8:1:40::1"
port = 8080
to = "unix:/b"
[[route]]
dest = "fd01:db8:1:40::/64"
to = "unix:/c"
[[route]]
dest = "192.0.2.0/24"
to = "unix:/d"
)") == std::vector<std::string>{
           "l.toml:5:8: warning: route at line 4 never matches steered traffic: fd01:db8:1:41::1 "
           "is outside every "
           "[[steer]] prefix",
           "l.toml:10:8: warning: route 'alt-http' at line 7 never matches steered traffic: port "
           "8080 is not "
           "steered for fd01:db8:1:40::1",
       });
}

TEST_CASE("steered traffic that no route takes", "[lint]") {
  CHECK(lint(kSteer + R"([[route]]
dest = "fd01:db8:1:40::1"
to = "unix:/a"
[[route]]
dest = "192.0.2.0/24"
to = "reject"
)") == std::vector<std::string>{
           "l.toml:2:35: warning: steered traffic to 192.0.2.0/24 (port 22, 80, 443) is sent "
           "to no socket by any route: sbd closes those connections"});
}

TEST_CASE("a route shadowed by earlier routes", "[lint]") {
  CHECK(lint(kSteer + R"([[route]]
dest = "fd01:db8:1:40::/64"
port = 22
to = "unix:/ssh"
[[route]]
dest = "fd01:db8:1:40::/64"
port = [80, 443]
to = "unix:/web"
[[route]]
name = "never"
dest = "fd01:db8:1:40::9"
port = [22, 443]
to = "unix:/x"
[[route]]
dest = "192.0.2.1"
to = "unix:/one"
[[route]]
dest = "192.0.2.1"
port = 22
to = "unix:/dup"
[[route]]
dest = "192.0.2.0/24"
to = "unix:/rest"
)") == std::vector<std::string>{
           "l.toml:12:1: warning: route 'never' at line 12 is never reached: every connection it "
           "matches is taken "
           "by the routes at lines 4, 8",
           "l.toml:20:1: warning: route at line 20 is never reached: every connection it matches "
           "is taken by the "
           "route at line 17",
       });
  // A narrower `from` earlier does not shadow a wider one later.
  CHECK(lint(kSteer + R"([[route]]
dest = "fd01:db8:1:40::/64"
from = "fd00::/16"
to = "unix:/a"
[[route]]
dest = "fd01:db8:1:40::/64"
from = "fd00::/8"
to = "unix:/b"
[[route]]
dest = "192.0.2.0/24"
to = "unix:/c"
)")
            .empty());
}

TEST_CASE("overlapping steer prefixes are errors", "[lint]") {
  const std::string text = R"([[steer]]
prefixes = ["fd01:db8::/32"]
[[steer]]
prefixes = ["fd01:db8:1::/48", "10.0.0.0/8", "10.0.0.0/8"]
ports = 22
[[route]]
to = "unix:/a"
)";
  const auto d = lint_profile(parse_profile(text, "l.toml"));
  CHECK(has_errors(d));
  CHECK(lint(text) ==
        std::vector<std::string>{
            "l.toml:4:13: error: steer prefix fd01:db8:1::/48 overlaps fd01:db8::/32 at line 2",
            "l.toml:4:46: error: steer prefix 10.0.0.0/8 is already steered at line 4",
        });
}

TEST_CASE("from and dest of different families", "[lint]") {
  CHECK(lint(kSteer + R"([[route]]
dest = "192.0.2.0/24"
from = "fd00::/8"
to = "unix:/a"
[[route]]
to = "unix:/b"
)") == std::vector<std::string>{
           "l.toml:6:8: warning: route at line 4 never matches: 'from' fd00::/8 and 'dest' "
           "192.0.2.0/24 are of different address families"});
}

TEST_CASE("duplicate socket directories", "[lint]") {
  const auto out = lint(kSteer + R"([[route]]
to = "unix:/run/socketbox/00001/a"
[[socketdir]]
path = "/run/socketbox/00001"
owner_uid = 100000
[[socketdir]]
path = "/run/socketbox/00001/"
owner_uid = 101000
)");
  CHECK(out == std::vector<std::string>{"l.toml:10:8: error: socket directory /run/socketbox/00001 "
                                        "is already described at line 6"});
}

TEST_CASE("a route target sbd cannot see or sbctl does not set up", "[lint]") {
  const std::string in_tmp = kSteer + "[[route]]\nto = \"unix:/tmp/a.sock\"\n";
  CHECK(lint(in_tmp).empty());
  CHECK(lint(in_tmp, LintEnvironment{.sbd_private_tmp = true}) ==
        std::vector<std::string>{"l.toml:5:6: warning: route at line 4 sends to /tmp/a.sock, but "
                                 "sbd.service runs with PrivateTmp=yes and sees a /tmp of its own: "
                                 "put receiving sockets under /run/socketbox"});
  CHECK(lint(kSteer + R"([[route]]
to = "unix:/run/socketbox/00002/a"
[[socketdir]]
path = "/run/socketbox/00001"
owner_uid = 100000
)") == std::vector<std::string>{"l.toml:5:6: warning: route at line 4 sends to "
                                "/run/socketbox/00002/a, which lies outside every [[socketdir]]: "
                                "sbctl sets up no permissions for it"});
  // The directory itself is no socket, and a sibling with the same prefix is outside.
  CHECK(lint(kSteer + R"([[route]]
to = "unix:/run/socketbox/00001x/a"
[[socketdir]]
path = "/run/socketbox/00001"
owner_uid = 100000
)")
            .size() == 1);
}

TEST_CASE("steering a huge prefix makes the whole space local", "[lint]") {
  const auto steer = [](const std::string& prefix) {
    return lint("[[steer]]\nprefixes = [\"" + prefix + "\"]\n[[route]]\nto = \"unix:/a\"\n");
  };
  CHECK(steer("::/0") ==
        std::vector<std::string>{"l.toml:2:13: warning: steering ::/0 makes every address in it "
                                 "local to this box: it can no longer reach any other host there "
                                 "(steer the prefixes you own)"});
  CHECK(steer("2000::/15").size() == 1);
  CHECK(steer("2001::/16").empty());
  CHECK(steer("0.0.0.0/0").size() == 1);
  CHECK(steer("10.0.0.0/7").size() == 1);
  CHECK(steer("10.0.0.0/8").empty());
}

TEST_CASE("parse errors are the linter's errors too: sun_path length", "[lint]") {
  try {
    parse_profile("[[route]]\nto = \"unix:/" + std::string(107, 'a') + "\"\n", "l.toml");
    FAIL("no error");
  } catch (const ProfileError& e) {
    CHECK(std::string(e.what()) ==
          "l.toml:2:6: error: 'to' socket path is 108 bytes; at most 107 fit in a Unix socket "
          "address (sun_path)");
  }
}

TEST_CASE("relay routes take steered traffic and need no [[socketdir]]", "[lint][relay]") {
  // Steered and taken by a relay route: nothing to say, though the relay
  // socket lies outside the [[socketdir]].
  CHECK(lint(kSteer + R"([[route]]
dest = "fd01:db8:1:40::/64"
to = "relay:tcp:[2001:db8::5]:443"
[[route]]
dest = "192.0.2.0/24"
to = "unix:/run/socketbox/00001/a"
[[socketdir]]
path = "/run/socketbox/00001"
owner_uid = 100000
)")
            .empty());
  CHECK(lint(kSteer + R"([[route]]
to = "relay:tcp:127.0.0.1:80"
[[socketdir]]
path = "/run/socketbox/relay"
owner_uid = 100000
)") == std::vector<std::string>{"l.toml:7:8: warning: [[socketdir]] /run/socketbox/relay is "
                                "sb-relay's socket directory ([relay] socket_dir): sbctl apply "
                                "makes it owner_uid 100000's, and sb-relay binds its sockets "
                                "there as socketbox-relay"});
}

TEST_CASE("each socket of a failover list is checked where it is written", "[lint]") {
  CHECK(lint(kSteer + R"([[route]]
to = ["unix:/run/socketbox/00001/a", "unix:/run/socketbox/00002/b"]
[[socketdir]]
path = "/run/socketbox/00001"
owner_uid = 100000
)") == std::vector<std::string>{"l.toml:5:38: warning: route at line 4 sends to "
                                "/run/socketbox/00002/b, which lies outside every [[socketdir]]: "
                                "sbctl sets up no permissions for it"});
  CHECK(lint(kSteer + "[[route]]\nto = [\"unix:/run/socketbox/a\", \"unix:/tmp/b\"]\n",
             LintEnvironment{.sbd_private_tmp = true}) ==
        std::vector<std::string>{"l.toml:5:32: warning: route at line 4 sends to /tmp/b, but "
                                 "sbd.service runs with PrivateTmp=yes and sees a /tmp of its own: "
                                 "put receiving sockets under /run/socketbox"});
}

// The steer prefixes are indexed by address: blocks out of address order, a
// route over several blocks, one without dest and a reject route.
TEST_CASE("routes against many steer blocks", "[lint]") {
  const auto out = lint(R"([[steer]]
prefixes = ["fd00:0:0:9::/64", "fd00:0:0:2::/64"]
ports = [22]
[[steer]]
prefixes = ["fd00:0:0:5::/64", "fd00:0:0:1::/64"]
ports = [443]
[[steer]]
prefixes = ["fd00:0:0:7::/64"]
ports = [80]
[[route]]
dest = "fd00::/60"
port = 443
to = "unix:/a"
[[route]]
port = 80
to = "unix:/b"
[[route]]
dest = "fd00:0:0:9::1"
port = 22
to = "reject"
[[route]]
dest = "fd00:0:0:8::/64"
to = "unix:/c"
[[route]]
dest = "fd00:0:0:9::/64"
port = 443
to = "unix:/d"
)");
  // The same as the pairwise checks said before the index.
  CHECK(out == std::vector<std::string>{
                   "l.toml:2:13: warning: steered traffic to fd00:0:0:9::/64 (port 22) is sent to "
                   "no socket by any route: sbd closes those connections",
                   "l.toml:2:32: warning: steered traffic to fd00:0:0:2::/64 (port 22) is sent to "
                   "no socket by any route: sbd closes those connections",
                   "l.toml:22:8: warning: route at line 21 never matches steered traffic: "
                   "fd00:0:0:8::/64 is outside every [[steer]] prefix",
                   "l.toml:24:1: warning: route at line 24 is never reached: every connection it "
                   "matches is taken by the route at line 10",
                   "l.toml:26:8: warning: route at line 24 never matches steered traffic: port 443 "
                   "is not steered for fd00:0:0:9::/64"});
}
