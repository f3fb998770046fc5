// IP addresses as two 64-bit words, the one form socketbox holds them in:
// the lookup engine compares it, the compiler and netcfg build prefixes of
// it. IPv4 is always carried IPv4-mapped (::ffff:a.b.c.d), as the kernel
// reports it on sbd's dual-stack socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socketbox::net {

struct Addr {
  std::uint64_t hi = 0;  // bytes 0..7, big-endian, so integer order is address order
  std::uint64_t lo = 0;  // bytes 8..15

  friend constexpr bool operator==(const Addr&, const Addr&) = default;
  friend constexpr auto operator<=>(const Addr&, const Addr&) = default;

  constexpr Addr operator&(const Addr& m) const noexcept { return {hi & m.hi, lo & m.lo}; }
  constexpr Addr operator~() const noexcept { return {~hi, ~lo}; }

  static Addr from_in6(const in6_addr& a) noexcept;
  static Addr from_in4(const in_addr& a) noexcept;  // -> ::ffff:a.b.c.d
  in6_addr to_in6() const noexcept;
  // The IPv4 address of an IPv4-mapped one (call is_v4_mapped() first).
  in_addr to_in4() const noexcept;

  // 16-bit group i (0..7), as the path substitution needs them.
  std::uint16_t group(int i) const noexcept;

  bool is_v4_mapped() const noexcept { return hi == 0 && (lo >> 32) == 0xffffu; }
  // ::ffff:0:0, where the 128-bit form keeps IPv4 (a /96).
  static constexpr Addr v4_mapped_base() noexcept { return {0, std::uint64_t{0xffff} << 32}; }

  // A mask of `len` leading one bits (0..128).
  static Addr prefix_mask(int len) noexcept;
  // The prefix length if this is a contiguous mask, else nullopt.
  std::optional<int> mask_length() const noexcept;
};

// Parses "2001:db8::1", "::ffff:192.0.2.1" or plain "192.0.2.1" (IPv4 is mapped).
std::optional<Addr> parse_addr(std::string_view text);

// Formats as inet_ntop does; IPv4-mapped addresses print as "::ffff:a.b.c.d".
std::string format_addr(const Addr& a);

// Formats as written: IPv4-mapped addresses as a dotted quad, others as
// inet_ntop does. Into buf, without allocating (sbd's connection log);
// returns buf, or "?" if it cannot.
const char* format_addr_plain(const Addr& a, char (&buf)[INET6_ADDRSTRLEN]) noexcept;
std::string format_addr_plain(const Addr& a);

}  // namespace socketbox::net
