#include "socketbox/net/prefix.hpp"

#include <sys/socket.h>

#include <catch2/catch.hpp>

using socketbox::net::Prefix;

TEST_CASE("Prefix parses IPv6 and IPv4 prefixes and prints them back") {
  auto p6 = Prefix::parse("fd01:db8:1:40::/64");
  REQUIRE(p6);
  CHECK(p6->family() == AF_INET6);
  CHECK(p6->kernel().len == 64);
  CHECK(p6->str() == "fd01:db8:1:40::/64");

  auto p4 = Prefix::parse("192.0.2.0/24");
  REQUIRE(p4);
  CHECK(p4->family() == AF_INET);
  CHECK(p4->kernel().len == 24);
  CHECK(p4->kernel().addr[0] == 192);
  CHECK(p4->kernel().addr[2] == 2);
  CHECK(p4->str() == "192.0.2.0/24");

  CHECK(Prefix::parse("::/0")->str() == "::/0");
  CHECK(Prefix::parse("0.0.0.0/0")->str() == "0.0.0.0/0");
  CHECK(Prefix::parse("2001:DB8::/32")->str() == "2001:db8::/32");
}

TEST_CASE("A bare address is a full-length prefix and prints bare") {
  auto a = Prefix::parse("198.51.100.7");
  REQUIRE(a);
  CHECK(a->kernel().len == 32);
  CHECK(a->str() == "198.51.100.7");
  CHECK(Prefix::parse("198.51.100.7/32") == a);
  auto b = Prefix::parse("fd01:db8:1:40::1:10");
  REQUIRE(b);
  CHECK(b->kernel().len == 128);
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

TEST_CASE("Prefix parse says what is wrong") {
  std::string error;
  CHECK_FALSE(Prefix::parse("fd01::zz", error));
  CHECK(error == "'fd01::zz' is not an IPv6 address or prefix");
  CHECK_FALSE(Prefix::parse("192.0.2.300", error));
  CHECK(error == "'192.0.2.300' is not an IPv4 address or prefix");
  CHECK_FALSE(Prefix::parse("10.0.0.0/33", error));
  CHECK(error == "prefix length in '10.0.0.0/33' must be 0 to 32");
  CHECK_FALSE(Prefix::parse("192.0.2.1/24", error));
  CHECK(error == "'192.0.2.1/24' has host bits set; the prefix is 192.0.2.0/24");
  CHECK_FALSE(Prefix::parse("/24", error));
  CHECK(error == "empty address");
}

TEST_CASE("IPv4 is one prefix however it is written, and IPv4 to the kernel") {
  const auto dotted = *Prefix::parse("198.51.100.0/24");
  const auto mapped = *Prefix::parse("::ffff:198.51.100.0/120");
  CHECK(dotted == mapped);
  CHECK(dotted.len == 120);
  CHECK(mapped.is_v4());
  CHECK(mapped.family() == AF_INET);
  CHECK(mapped.native_len() == 24);
  CHECK(mapped.str() == "198.51.100.0/24");
  const auto k = mapped.kernel();
  CHECK(k.family == AF_INET);
  CHECK(k.len == 24);
  CHECK(k.addr[0] == 198);
  CHECK(Prefix::from_kernel(k.family, k.addr.data(), k.len) == mapped);
  const auto k6 = Prefix::parse("fd01:db8:1:40::/64")->kernel();
  CHECK(Prefix::from_kernel(k6.family, k6.addr.data(), k6.len)->str() == "fd01:db8:1:40::/64");
  CHECK_FALSE(Prefix::from_kernel(AF_INET, k.addr.data(), 33));
  CHECK_FALSE(Prefix::from_kernel(AF_UNIX, k.addr.data(), 8));
}

TEST_CASE("Prefixes contain, cover and overlap in the 128-bit form") {
  const auto p24 = *Prefix::parse("192.0.2.0/24");
  const auto p25 = *Prefix::parse("192.0.2.128/25");
  const auto other = *Prefix::parse("198.51.100.0/24");
  CHECK(p24.contains(*socketbox::net::parse_addr("192.0.2.7")));
  CHECK_FALSE(p24.contains(*socketbox::net::parse_addr("192.0.3.7")));
  CHECK(p24.covers(p25));
  CHECK_FALSE(p25.covers(p24));
  CHECK(p25.overlaps(p24));
  CHECK_FALSE(p24.overlaps(other));
  CHECK(Prefix::parse("::/0")->covers(p24));
  CHECK(Prefix::of(*socketbox::net::parse_addr("192.0.2.77"), 120) == p24);
}
