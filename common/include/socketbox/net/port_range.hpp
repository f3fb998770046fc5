// A range of TCP ports, as profiles write them and nftables holds them.
#pragma once

#include <compare>
#include <cstdint>

namespace socketbox::net {

struct PortRange {
  std::uint16_t lo = 0, hi = 0;  // inclusive
  friend bool operator==(const PortRange&, const PortRange&) = default;
  friend auto operator<=>(const PortRange&, const PortRange&) = default;
};

}  // namespace socketbox::net
