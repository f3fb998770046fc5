// Address prefixes and port sets as a profile writes them. Prefixes are
// socketbox's one form (socketbox/net/prefix.hpp): IPv4 is carried
// IPv4-mapped (::ffff:a.b.c.d, prefix length + 96), exactly as sbd sees it
// on its dual-stack socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socketbox/net/port_range.hpp"
#include "socketbox/net/prefix.hpp"

namespace socketbox::sbctl {

// socketbox's one prefix and port range types (socketbox/net/).
using net::PortRange;
using net::Prefix;

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
