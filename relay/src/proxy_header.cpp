#include "proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstring>

namespace socketbox::relay {
namespace {

// The 12-byte v2 signature, then version 2 / command PROXY (0x21).
constexpr unsigned char kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                            0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr unsigned char kV2Proxy = 0x21;
constexpr unsigned char kFamUnspec = 0x00, kTcp4 = 0x11, kTcp6 = 0x21;

// One end of the connection, reduced to what the header carries.
struct End {
  int family = AF_UNSPEC;  // AF_INET or AF_INET6 after normalising
  unsigned char addr[16] = {};
  std::uint16_t port = 0;  // network order
};

bool read_end(const sockaddr* sa, End& e) noexcept {
  if (!sa) return false;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    e.family = AF_INET;
    std::memcpy(e.addr, &in->sin_addr, 4);
    e.port = in->sin_port;
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    e.family = AF_INET6;
    std::memcpy(e.addr, &in6->sin6_addr, 16);
    e.port = in6->sin6_port;
    return true;
  }
  return false;
}

bool is_mapped(const End& e) noexcept {
  static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return e.family == AF_INET6 && std::memcmp(e.addr, prefix, 12) == 0;
}

void unmap(End& e) noexcept {
  std::memmove(e.addr, e.addr + 12, 4);
  std::memset(e.addr + 4, 0, 12);
  e.family = AF_INET;
}

// Both ends of one family, or false for "unknown".
bool read_ends(const sockaddr* src, const sockaddr* dst, End& s, End& d) noexcept {
  if (!read_end(src, s) || !read_end(dst, d)) return false;
  if (is_mapped(s) && is_mapped(d)) {
    unmap(s);
    unmap(d);
  }
  return s.family == d.family;
}

std::size_t encode_v1(const End* s, const End* d, unsigned char* out, std::size_t cap) noexcept {
  char buf[108];  // the spec's maximum line, 107 bytes, plus the NUL
  int n;
  if (!s) {
    n = std::snprintf(buf, sizeof buf, "PROXY UNKNOWN\r\n");
  } else {
    char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
    inet_ntop(s->family, s->addr, sa, sizeof sa);
    inet_ntop(d->family, d->addr, da, sizeof da);
    n = std::snprintf(buf, sizeof buf, "PROXY %s %s %s %u %u\r\n",
                      s->family == AF_INET ? "TCP4" : "TCP6", sa, da, ntohs(s->port),
                      ntohs(d->port));
  }
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf || static_cast<std::size_t>(n) > cap)
    return 0;
  std::memcpy(out, buf, static_cast<std::size_t>(n));
  return static_cast<std::size_t>(n);
}

std::size_t encode_v2(const End* s, const End* d, std::string_view netns, unsigned char* out,
                      std::size_t cap) noexcept {
  const std::size_t addr_len = !s ? 0 : s->family == AF_INET ? 12 : 36;
  const std::size_t tlv_len = netns.empty() ? 0 : 3 + netns.size();
  const std::size_t total = 16 + addr_len + tlv_len;
  if (total > cap) return 0;
  unsigned char* p = out;
  std::memcpy(p, kV2Signature, 12);
  p[12] = kV2Proxy;
  p[13] = !s ? kFamUnspec : s->family == AF_INET ? kTcp4 : kTcp6;
  const std::size_t rest = addr_len + tlv_len;
  p[14] = static_cast<unsigned char>(rest >> 8);
  p[15] = static_cast<unsigned char>(rest & 0xff);
  p += 16;
  if (s) {
    const std::size_t alen = s->family == AF_INET ? 4 : 16;
    std::memcpy(p, s->addr, alen);
    std::memcpy(p + alen, d->addr, alen);
    std::memcpy(p + 2 * alen, &s->port, 2);  // both already in network order
    std::memcpy(p + 2 * alen + 2, &d->port, 2);
    p += addr_len;
  }
  if (!netns.empty()) {
    p[0] = kPp2TypeNetns;
    p[1] = static_cast<unsigned char>(netns.size() >> 8);
    p[2] = static_cast<unsigned char>(netns.size() & 0xff);
    std::memcpy(p + 3, netns.data(), netns.size());
  }
  return total;
}

}  // namespace

std::size_t encode_proxy_header(ProxyVersion v, const sockaddr* src, const sockaddr* dst,
                                std::string_view netns, unsigned char* out,
                                std::size_t cap) noexcept {
  if (netns.size() > kMaxNetnsName) return 0;
  End s, d;
  const bool known = read_ends(src, dst, s, d);
  switch (v) {
    case ProxyVersion::kV1:
      return encode_v1(known ? &s : nullptr, known ? &d : nullptr, out, cap);
    case ProxyVersion::kV2:
      return encode_v2(known ? &s : nullptr, known ? &d : nullptr, netns, out, cap);
    case ProxyVersion::kNone:
      break;
  }
  return 0;
}

bool parse_proxy_version(std::string_view s, ProxyVersion& out) noexcept {
  if (s == "v1") {
    out = ProxyVersion::kV1;
  } else if (s == "v2") {
    out = ProxyVersion::kV2;
  } else if (s == "none" || s == "off") {
    out = ProxyVersion::kNone;
  } else {
    return false;
  }
  return true;
}

const char* proxy_version_name(ProxyVersion v) noexcept {
  switch (v) {
    case ProxyVersion::kV1:
      return "v1";
    case ProxyVersion::kV2:
      return "v2";
    case ProxyVersion::kNone:
      break;
  }
  return "none";
}

}  // namespace socketbox::relay
