#include "socketbox/net/address.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace socketbox::net;

TEST_CASE("IPv6 and IPv4 addresses parse into one form", "[address]") {
  const auto v6 = parse_addr("2001:db8::1");
  REQUIRE(v6);
  CHECK(format_addr(*v6) == "2001:db8::1");
  CHECK(v6->hi == 0x20010db800000000ULL);
  CHECK(v6->lo == 1);

  const auto dotted = parse_addr("192.0.2.7");
  const auto mapped = parse_addr("::ffff:192.0.2.7");
  REQUIRE(dotted);
  REQUIRE(mapped);
  CHECK(*dotted == *mapped);
  CHECK(dotted->is_v4_mapped());
  CHECK(format_addr(*dotted) == "::ffff:192.0.2.7");
}

TEST_CASE("bad addresses are refused", "[address]") {
  for (const char* bad : {"", "2001:db8::1::2", "300.1.1.1", "1.2.3", "fe80::1%eth0", "hello",
                          "2001:db8:0:0:0:0:0:0:1"}) {
    INFO(bad);
    CHECK_FALSE(parse_addr(bad));
  }
}

TEST_CASE("prefix masks and their lengths", "[address]") {
  for (int len : {0, 1, 8, 63, 64, 65, 96, 127, 128}) {
    INFO(len);
    CHECK(Addr::prefix_mask(len).mask_length() == len);
  }
  CHECK(Addr::prefix_mask(64) == Addr{~0ULL, 0});
  CHECK_FALSE((*parse_addr("ffff:0:ffff::")).mask_length());
}

TEST_CASE("16-bit groups are read in address order", "[address]") {
  const auto a = *parse_addr("fd01:db8:1:40::1:10");
  CHECK(a.group(0) == 0xfd01);
  CHECK(a.group(1) == 0x0db8);
  CHECK(a.group(3) == 0x40);
  CHECK(a.group(6) == 1);
  CHECK(a.group(7) == 0x10);
}

TEST_CASE("the IPv4-mapped form turns back into IPv4 in one place", "[address]") {
  const auto a = parse_addr("198.51.100.9");
  REQUIRE(a);
  const in_addr a4 = a->to_in4();
  char buf[INET_ADDRSTRLEN];
  CHECK(std::string(inet_ntop(AF_INET, &a4, buf, sizeof buf)) == "198.51.100.9");
  CHECK(Addr::from_in4(a4) == *a);
  CHECK(format_addr_plain(*a) == "198.51.100.9");
  CHECK(format_addr_plain(*parse_addr("2001:db8::9")) == "2001:db8::9");
  char out[INET6_ADDRSTRLEN];
  CHECK(std::string(format_addr_plain(*a, out)) == "198.51.100.9");
  CHECK((*a & Addr::prefix_mask(96)) == Addr::v4_mapped_base());
  CHECK_FALSE((*parse_addr("2001:db8::9") & Addr::prefix_mask(96)) == Addr::v4_mapped_base());
}
