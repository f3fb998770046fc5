#include "proxy_header.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_addresses.hpp"

using namespace socketbox::relay;
using socketbox::test::v4;
using socketbox::test::v6;

namespace {

std::vector<unsigned char> encode(ProxyVersion v, const sockaddr* s, const sockaddr* d,
                                  std::string_view netns = {}) {
  unsigned char buf[kMaxProxyHeader];
  const std::size_t n = encode_proxy_header(v, s, d, netns, buf, sizeof buf);
  return {buf, buf + n};
}

std::string text(const std::vector<unsigned char>& b) { return {b.begin(), b.end()}; }

template <class A>
const sockaddr* sa(const A& a) {
  return reinterpret_cast<const sockaddr*>(&a);
}

const std::vector<unsigned char> kSig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                         0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

std::vector<unsigned char> cat(std::vector<unsigned char> a, const std::vector<unsigned char>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("v1 headers for IPv4 and IPv6", "[proxy]") {
  const auto s4 = v4("192.0.2.1", 56324), d4 = v4("198.51.100.7", 443);
  CHECK(text(encode(ProxyVersion::kV1, sa(s4), sa(d4))) ==
        "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
  const auto s6 = v6("2001:db8::1", 40000), d6 = v6("fd01:db8:1:40::1:10", 80);
  CHECK(text(encode(ProxyVersion::kV1, sa(s6), sa(d6))) ==
        "PROXY TCP6 2001:db8::1 fd01:db8:1:40::1:10 40000 80\r\n");
}

TEST_CASE("v1: mapped IPv4 on both ends is written as TCP4", "[proxy]") {
  const auto s = v6("::ffff:10.0.0.5", 1234), d = v6("::ffff:10.0.0.1", 80);
  CHECK(text(encode(ProxyVersion::kV1, sa(s), sa(d))) ==
        "PROXY TCP4 10.0.0.5 10.0.0.1 1234 80\r\n");
  // Only one end mapped: both stay IPv6.
  const auto d6 = v6("2001:db8::2", 80);
  CHECK(text(encode(ProxyVersion::kV1, sa(s), sa(d6))) ==
        "PROXY TCP6 ::ffff:10.0.0.5 2001:db8::2 1234 80\r\n");
}

TEST_CASE("v1: unknown ends", "[proxy]") {
  const auto s4 = v4("192.0.2.1", 1);
  const auto d6 = v6("2001:db8::2", 80);
  CHECK(text(encode(ProxyVersion::kV1, sa(s4), sa(d6))) == "PROXY UNKNOWN\r\n");
  CHECK(text(encode(ProxyVersion::kV1, nullptr, nullptr)) == "PROXY UNKNOWN\r\n");
}

TEST_CASE("v1: longest line fits the spec's 107 bytes", "[proxy]") {
  const auto s = v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535);
  const auto d = v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd", 65535);
  const auto h = encode(ProxyVersion::kV1, sa(s), sa(d));
  CHECK(h.size() == 104);
  CHECK(h.size() <= 107);
}

TEST_CASE("v2 IPv4 header, byte for byte", "[proxy]") {
  const auto s = v4("192.0.2.1", 0x1234), d = v4("198.51.100.7", 443);
  const auto want =
      cat(kSig, {0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 1, 198, 51, 100, 7, 0x12, 0x34, 0x01, 0xBB});
  CHECK(encode(ProxyVersion::kV2, sa(s), sa(d)) == want);
}

TEST_CASE("v2 IPv6 header, byte for byte", "[proxy]") {
  const auto s = v6("2001:db8::1", 40000), d = v6("2001:db8::ff", 8080);
  std::vector<unsigned char> want = cat(kSig, {0x21, 0x21, 0x00, 0x24});
  want = cat(want, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
  want = cat(want, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff});
  want = cat(want, {0x9C, 0x40, 0x1F, 0x90});
  CHECK(encode(ProxyVersion::kV2, sa(s), sa(d)) == want);
}

TEST_CASE("v2 with a netns TLV", "[proxy]") {
  const auto s = v6("::ffff:10.0.0.5", 1234), d = v6("::ffff:10.0.0.1", 80);
  const auto want = cat(kSig, {0x21, 0x11, 0x00, 0x12, 10,   0,    0,    5,    10,  0,   0,
                               1,    0x04, 0xD2, 0x00, 0x50, 0x30, 0x00, 0x03, 'w', 'e', 'b'});
  CHECK(encode(ProxyVersion::kV2, sa(s), sa(d), "web") == want);
}

TEST_CASE("v2 unknown ends: AF_UNSPEC, no address block", "[proxy]") {
  const auto want = cat(kSig, {0x21, 0x00, 0x00, 0x00});
  CHECK(encode(ProxyVersion::kV2, nullptr, nullptr) == want);
  const auto want_tlv = cat(kSig, {0x21, 0x00, 0x00, 0x04, 0x30, 0x00, 0x01, 'n'});
  CHECK(encode(ProxyVersion::kV2, nullptr, nullptr, "n") == want_tlv);
}

TEST_CASE("too small a buffer or too long a netns gives 0", "[proxy]") {
  const auto s = v4("192.0.2.1", 1), d = v4("192.0.2.2", 2);
  unsigned char buf[kMaxProxyHeader];
  CHECK(encode_proxy_header(ProxyVersion::kV2, sa(s), sa(d), {}, buf, 27) == 0);
  CHECK(encode_proxy_header(ProxyVersion::kV2, sa(s), sa(d), {}, buf, 28) == 28);
  CHECK(encode_proxy_header(ProxyVersion::kV1, sa(s), sa(d), {}, buf, 10) == 0);
  const std::string longname(kMaxNetnsName + 1, 'x');
  CHECK(encode_proxy_header(ProxyVersion::kV2, sa(s), sa(d), longname, buf, sizeof buf) == 0);
  const std::string maxname(kMaxNetnsName, 'x');
  CHECK(encode_proxy_header(ProxyVersion::kV2, sa(s), sa(d), maxname, buf, sizeof buf) ==
        16 + 12 + 3 + kMaxNetnsName);
  CHECK(encode_proxy_header(ProxyVersion::kNone, sa(s), sa(d), {}, buf, sizeof buf) == 0);
}

TEST_CASE("proxy version names", "[proxy]") {
  ProxyVersion v{};
  CHECK(parse_proxy_version("v1", v));
  CHECK(v == ProxyVersion::kV1);
  CHECK(parse_proxy_version("v2", v));
  CHECK(v == ProxyVersion::kV2);
  CHECK(parse_proxy_version("none", v));
  CHECK(v == ProxyVersion::kNone);
  CHECK_FALSE(parse_proxy_version("v3", v));
  CHECK(std::string(proxy_version_name(ProxyVersion::kV2)) == "v2");
}
