#include "target.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>

using namespace socketbox::relay;

TEST_CASE("tcp targets", "[target]") {
  Target t;
  std::string err;
  REQUIRE(parse_target("tcp:[::1]:8080", t, err));
  CHECK(t.family() == AF_INET6);
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&t.addr);
  CHECK(ntohs(in6->sin6_port) == 8080);
  CHECK(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
  CHECK(t.addr_len == sizeof(sockaddr_in6));
  CHECK(t.text == "tcp:[::1]:8080");

  REQUIRE(parse_target("tcp:127.0.0.1:80", t, err));
  CHECK(t.family() == AF_INET);
  const auto* in = reinterpret_cast<const sockaddr_in*>(&t.addr);
  CHECK(ntohs(in->sin_port) == 80);
  CHECK(ntohl(in->sin_addr.s_addr) == 0x7f000001);
}

TEST_CASE("unix targets", "[target]") {
  Target t;
  std::string err;
  REQUIRE(parse_target("unix:/run/app.sock", t, err));
  CHECK(t.family() == AF_UNIX);
  CHECK(std::strcmp(reinterpret_cast<const sockaddr_un*>(&t.addr)->sun_path, "/run/app.sock") == 0);
  CHECK_FALSE(parse_target("unix:" + std::string(200, 'x'), t, err));
  CHECK(err.find("longer than") != std::string::npos);
}

TEST_CASE("bad targets say why", "[target]") {
  Target t;
  std::string err;
  for (const char* bad : {"tcp:::1:80", "tcp:[::1]", "tcp:[::1]:0", "tcp:[::1]:70000",
                          "tcp:localhost:80", "tcp:1.2.3.4", "udp:1.2.3.4:5", "unix:", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_target(bad, t, err));
    CHECK(err.rfind("bad target '", 0) == 0);
  }
}
