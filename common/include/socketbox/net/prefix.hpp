// An IP prefix in the one canonical form: an Addr (IPv4 mapped, host bits
// zero) and its length in that 128-bit form. IPv4 is a prefix inside
// ::ffff:0:0/96, so a mapped prefix written as IPv6 ("::ffff:192.0.2.0/120")
// is the same IPv4 prefix as "192.0.2.0/24": sbd sees those clients mapped,
// and the kernel's ip (not ip6) rules and routes see their packets.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "socketbox/net/address.hpp"

namespace socketbox::net {

// A prefix as nftables and rtnetlink take it: the family's own address
// bytes and prefix length.
struct KernelPrefix {
  int family = 0;                       // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> addr{};  // first 4 bytes used for AF_INET
  std::uint8_t len = 0;
};

struct Prefix {
  Addr addr;    // host bits zero
  int len = 0;  // 0..128, in the 128-bit (mapped) form: IPv4 /24 is 120

  // `a` with the bits past `length` cleared.
  static Prefix of(const Addr& a, int length) noexcept;
  // "2001:db8::/64", "192.0.2.0/24", or a bare address (a single host);
  // host bits must be zero. On failure returns nullopt and sets `error` to
  // what is wrong.
  static std::optional<Prefix> parse(std::string_view text, std::string& error);
  static std::optional<Prefix> parse(std::string_view text);
  // From the kernel's form; nullopt for another family or a length too long.
  static std::optional<Prefix> from_kernel(int family, const std::uint8_t* bytes,
                                           unsigned native_len);
  // The kernel's form: the ONE place the mapped form turns into IPv4.
  KernelPrefix kernel() const noexcept;

  bool is_v4() const noexcept { return len >= 96 && addr.is_v4_mapped(); }
  int family() const noexcept;  // AF_INET or AF_INET6
  // The length as written for the family: 24 for 192.0.2.0/24.
  int native_len() const noexcept { return is_v4() ? len - 96 : len; }

  Addr mask() const noexcept { return Addr::prefix_mask(len); }
  bool contains(const Addr& a) const noexcept { return (a & mask()) == addr; }
  bool covers(const Prefix& other) const noexcept {
    return other.len >= len && contains(other.addr);
  }
  bool overlaps(const Prefix& other) const noexcept { return covers(other) || other.covers(*this); }
  bool is_host() const noexcept { return len == 128; }

  // As written: "192.0.2.0/24", "fd01::1" (no /128 or /32 for single hosts),
  // IPv4 as a dotted quad.
  std::string str() const;

  friend bool operator==(const Prefix&, const Prefix&) = default;
  // IPv4 before IPv6, then by address, then by length (as nft lists sets
  // and ip lists routes).
  friend std::strong_ordering operator<=>(const Prefix& a, const Prefix& b) noexcept {
    if (a.is_v4() != b.is_v4())
      return a.is_v4() ? std::strong_ordering::less : std::strong_ordering::greater;
    if (const auto c = a.addr <=> b.addr; c != 0) return c;
    return a.len <=> b.len;
  }
};

}  // namespace socketbox::net
