// Address prefixes and port sets as a profile writes them. Addresses use the
// table library's 128-bit form: IPv4 is carried IPv4-mapped (::ffff:a.b.c.d,
// prefix length + 96), exactly as sbd sees it on its dual-stack socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socketbox/table/address.hpp"

namespace socketbox::sbctl {

struct Net {
  table::Addr addr;  // host bits zero
  int len = 0;       // 0..128, in the 128-bit (mapped) form
  bool v4 = false;   // written as a dotted quad: print it that way

  // "2001:db8::/64", "192.0.2.0/24", or a bare address (a single host).
  // On failure returns nullopt and sets `error` to what is wrong.
  static std::optional<Net> parse(std::string_view text, std::string& error);

  table::Addr mask() const noexcept { return table::Addr::prefix_mask(len); }
  bool contains(const table::Addr& a) const noexcept { return (a & mask()) == addr; }
  bool covers(const Net& other) const noexcept { return other.len >= len && contains(other.addr); }
  bool overlaps(const Net& other) const noexcept { return covers(other) || other.covers(*this); }
  bool is_host() const noexcept { return len == 128; }
  // As written: "192.0.2.0/24", "fd01::1" (no /128 or /32 for single hosts).
  std::string str() const;
  friend bool operator==(const Net& a, const Net& b) { return a.addr == b.addr && a.len == b.len; }
};

struct PortRange {
  std::uint16_t lo = 0, hi = 0;  // inclusive
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// A set of TCP ports; `any` when the profile does not restrict it.
class PortSet {
 public:
  PortSet() = default;                              // any port
  explicit PortSet(std::vector<PortRange> ranges);  // sorted and merged here

  bool any() const noexcept { return any_; }
  const std::vector<PortRange>& ranges() const noexcept { return ranges_; }
  std::size_t count() const noexcept;  // 65536 for any
  bool contains(std::uint16_t port) const noexcept;
  bool covers(const PortSet& other) const noexcept;
  bool intersects(const PortSet& other) const noexcept;
  PortSet intersection(const PortSet& other) const;
  PortSet united(const PortSet& other) const;
  std::vector<std::uint16_t> expand() const;  // only for finite sets
  std::string str() const;                    // "any", "22, 80, 8000-8100"
  friend bool operator==(const PortSet&, const PortSet&) = default;

 private:
  bool any_ = true;
  std::vector<PortRange> ranges_;
};

// "80" or "8000-8100" -> a range; nullopt with `error` set otherwise.
std::optional<PortRange> parse_port_text(std::string_view text, std::string& error);

}  // namespace socketbox::sbctl
