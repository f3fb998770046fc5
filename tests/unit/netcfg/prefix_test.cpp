#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "socketbox/netcfg/model.hpp"

using socketbox::netcfg::Prefix;

TEST_CASE("Prefix parses IPv6 and IPv4 prefixes and prints them back") {
  auto p6 = Prefix::parse("fd01:db8:1:40::/64");
  REQUIRE(p6);
  CHECK(p6->family == AF_INET6);
  CHECK(p6->len == 64);
  CHECK(p6->str() == "fd01:db8:1:40::/64");

  auto p4 = Prefix::parse("192.0.2.0/24");
  REQUIRE(p4);
  CHECK(p4->family == AF_INET);
  CHECK(p4->len == 24);
  CHECK(p4->addr[0] == 192);
  CHECK(p4->addr[2] == 2);
  CHECK(p4->str() == "192.0.2.0/24");

  CHECK(Prefix::parse("::/0")->str() == "::/0");
  CHECK(Prefix::parse("0.0.0.0/0")->str() == "0.0.0.0/0");
  CHECK(Prefix::parse("2001:DB8::/32")->str() == "2001:db8::/32");
}

TEST_CASE("A bare address is a full-length prefix and prints bare") {
  auto a = Prefix::parse("198.51.100.7");
  REQUIRE(a);
  CHECK(a->len == 32);
  CHECK(a->str() == "198.51.100.7");
  CHECK(Prefix::parse("198.51.100.7/32") == a);
  auto b = Prefix::parse("fd01:db8:1:40::1:10");
  REQUIRE(b);
  CHECK(b->len == 128);
  CHECK(b->str() == "fd01:db8:1:40::1:10");
}

TEST_CASE("Prefixes with host bits set are rejected") {
  CHECK_FALSE(Prefix::parse("192.0.2.1/24"));
  CHECK_FALSE(Prefix::parse("fd01:db8:1:40::1/64"));
  CHECK_FALSE(Prefix::parse("11.0.0.0/7"));
  CHECK(Prefix::parse("10.0.0.0/8"));
}

TEST_CASE("Bad prefix text is rejected") {
  for (const char* bad :
       {"", "/", "/24", "192.0.2.0/", "192.0.2.0/33", "::/129", "192.0.2.0/-1", "192.0.2.0/2a",
        "192.0.2", "1.2.3.4.5", "fd00::g/64", " 192.0.2.0/24", "192.0.2.0/24 ", "192.0.2.0//24",
        "192.0.2.0/0024", "hello", "::ffff:1.2.3.4/12x"}) {
    INFO("text: '" << bad << "'");
    CHECK_FALSE(Prefix::parse(bad));
  }
}

TEST_CASE("Prefixes order by family, then address, then length") {
  auto a = *Prefix::parse("192.0.2.0/24");
  auto b = *Prefix::parse("192.0.2.0/25");
  auto c = *Prefix::parse("198.51.100.0/24");
  auto d = *Prefix::parse("::/0");
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c < d);  // AF_INET sorts before AF_INET6
}
