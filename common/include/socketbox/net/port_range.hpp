// A range of TCP ports, as profiles write them and nftables holds them.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

namespace socketbox::net {

struct PortRange {
  std::uint16_t lo = 0, hi = 0;  // inclusive
  std::string str() const;       // "80" or "8000-8100"
  friend bool operator==(const PortRange&, const PortRange&) = default;
  friend auto operator<=>(const PortRange&, const PortRange&) = default;
};

// "22, 80, 8000-8100" (empty for no ranges): how profiles, nft and every
// message list ports.
std::string join_ports(const std::vector<PortRange>& ranges);

}  // namespace socketbox::net
