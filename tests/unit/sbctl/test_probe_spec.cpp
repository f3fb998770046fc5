// apply --probe ADDR:PORT[@NETNS]: what is taken, and one clear line for
// what is not.
#include <catch2/catch.hpp>
#include <string>

#include "probe/probe_spec.hpp"

using namespace socketbox::sbctl;
using socketbox::table::parse_addr;

namespace {
std::string error_of(const std::string& text) {
  std::string error;
  CHECK_FALSE(parse_probe(text, error).has_value());
  return error;
}
}  // namespace

TEST_CASE("[v6]:port, with and without a namespace") {
  std::string error;
  auto p = parse_probe("[2001:db8::10]:80@client", error);
  REQUIRE(p);
  CHECK(p->addr == *parse_addr("2001:db8::10"));
  CHECK(p->port == 80);
  CHECK(p->netns == "client");
  CHECK_FALSE(p->v4);
  CHECK(probe_label(*p) == "[2001:db8::10]:80@client");

  p = parse_probe("[fd01:db8:1:40::1:10]:443", error);
  REQUIRE(p);
  CHECK(p->netns.empty());
  CHECK(p->port == 443);
  CHECK(probe_label(*p) == "[fd01:db8:1:40::1:10]:443");
}

TEST_CASE("v4:port, with and without a namespace") {
  std::string error;
  auto p = parse_probe("192.0.2.9:80", error);
  REQUIRE(p);
  CHECK(p->v4);
  CHECK(p->addr == *parse_addr("192.0.2.9"));
  CHECK(p->port == 80);
  CHECK(probe_label(*p) == "192.0.2.9:80");
  p = parse_probe("192.0.2.9:65535@sbc-1", error);
  REQUIRE(p);
  CHECK(p->netns == "sbc-1");
  CHECK(p->port == 65535);
  CHECK(probe_label(*p) == "192.0.2.9:65535@sbc-1");
}

TEST_CASE("bad forms are refused with one line that says what is wrong") {
  CHECK(error_of("2001:db8::10:80") ==
        "--probe '2001:db8::10:80': an IPv6 address needs brackets: [IPV6]:PORT");
  CHECK(error_of("192.0.2.9") == "--probe '192.0.2.9': no port: write [IPV6]:PORT or A.B.C.D:PORT");
  CHECK(error_of("[2001:db8::10]") ==
        "--probe '[2001:db8::10]': no port after ']': write [IPV6]:PORT");
  CHECK(error_of("[2001:db8::10:80") ==
        "--probe '[2001:db8::10:80': '[' without ']': write [IPV6]:PORT");
  CHECK(error_of("[2001:db8::10]:0") ==
        "--probe '[2001:db8::10]:0': '0' is not a port number from 1 to 65535");
  CHECK(error_of("[2001:db8::10]:65536") ==
        "--probe '[2001:db8::10]:65536': '65536' is not a port number from 1 to 65535");
  CHECK(error_of("[2001:db8::10]:http") ==
        "--probe '[2001:db8::10]:http': 'http' is not a port number from 1 to 65535");
  CHECK(error_of("[2001:db8::10]:") ==
        "--probe '[2001:db8::10]:': '' is not a port number from 1 to 65535");
  CHECK(error_of("300.0.2.9:80") == "--probe '300.0.2.9:80': '300.0.2.9' is not an IPv4 address");
  CHECK(error_of("box:80") == "--probe 'box:80': 'box' is not an IPv4 address");
  CHECK(error_of("[192.0.2.9]:80") ==
        "--probe '[192.0.2.9]:80': '192.0.2.9' is not an IPv6 address");
  CHECK(error_of("[2001:db8::10]:80@") ==
        "--probe '[2001:db8::10]:80@': '' is not a network namespace name (as in /run/netns/NAME)");
  CHECK(error_of("192.0.2.9:80@../x") ==
        "--probe '192.0.2.9:80@../x': '../x' is not a network namespace name (as in "
        "/run/netns/NAME)");
}
