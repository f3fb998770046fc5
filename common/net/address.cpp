#include "socketbox/net/address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace socketbox::net {
namespace {

std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void store_be64(std::uint64_t v, std::uint8_t* p) noexcept {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

Addr Addr::from_in6(const in6_addr& a) noexcept {
  return {load_be64(a.s6_addr), load_be64(a.s6_addr + 8)};
}

Addr Addr::from_in4(const in_addr& a) noexcept {
  return {0, (std::uint64_t{0xffff} << 32) | ntohl(a.s_addr)};
}

in6_addr Addr::to_in6() const noexcept {
  in6_addr a{};
  store_be64(hi, a.s6_addr);
  store_be64(lo, a.s6_addr + 8);
  return a;
}

in_addr Addr::to_in4() const noexcept {
  in_addr a{};
  a.s_addr = htonl(static_cast<std::uint32_t>(lo));
  return a;
}

std::uint16_t Addr::group(int i) const noexcept {
  const std::uint64_t word = i < 4 ? hi : lo;
  return static_cast<std::uint16_t>(word >> (48 - 16 * (i % 4)));
}

Addr Addr::prefix_mask(int len) noexcept {
  if (len <= 0) return {};
  if (len >= 128) return {~0ULL, ~0ULL};
  if (len <= 64) return {len == 64 ? ~0ULL : ~0ULL << (64 - len), 0};
  return {~0ULL, ~0ULL << (128 - len)};
}

std::optional<int> Addr::mask_length() const noexcept {
  const int len = __builtin_popcountll(hi) + __builtin_popcountll(lo);
  if (prefix_mask(len) == *this) return len;
  return std::nullopt;
}

std::optional<Addr> parse_addr(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') != std::string_view::npos) {
    in6_addr a6;
    if (inet_pton(AF_INET6, buf, &a6) == 1) return Addr::from_in6(a6);
    return std::nullopt;
  }
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) return Addr::from_in4(a4);
  return std::nullopt;
}

std::string format_addr(const Addr& a) {
  char buf[INET6_ADDRSTRLEN];
  const in6_addr a6 = a.to_in6();
  inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  return buf;
}

const char* format_addr_plain(const Addr& a, char (&buf)[INET6_ADDRSTRLEN]) noexcept {
  const char* r = nullptr;
  if (a.is_v4_mapped()) {
    const in_addr a4 = a.to_in4();
    r = inet_ntop(AF_INET, &a4, buf, sizeof buf);
  } else {
    const in6_addr a6 = a.to_in6();
    r = inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  }
  return r ? r : "?";
}

std::string format_addr_plain(const Addr& a) {
  char buf[INET6_ADDRSTRLEN];
  return format_addr_plain(a, buf);
}

}  // namespace socketbox::net
