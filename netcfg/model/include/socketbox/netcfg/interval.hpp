// Interval arithmetic between prefixes/port ranges and the big-endian keys
// of nftables interval sets, where an interval is [start, end) and an end
// past the largest key is left out (nft calls that an open interval).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

using Key = std::vector<std::uint8_t>;  // big-endian, 2, 4 or 16 bytes

struct KeyRange {
  Key start;
  std::optional<Key> end;  // exclusive; nullopt = up to the largest key
};

KeyRange prefix_range(const Prefix& p);
KeyRange port_range(const PortRange& r);

// The prefixes that exactly cover [start, end); usually one.
std::vector<Prefix> prefixes_from_range(int family, const KeyRange& r);
// The port range [start, end) as inclusive lo-hi.
PortRange ports_from_range(const KeyRange& r);

// Whether two prefixes share an address in one nft set: IPv6 and IPv4 go to
// separate sets, so ::/0 does not overlap 192.0.2.0/24 here (it does in the
// 128-bit form, where Prefix::overlaps compares them).
bool overlaps(const Prefix& a, const Prefix& b);

// Port ranges as nft writes an inet_service set's elements: "22, 8000-8100".
using net::join_ports;

}  // namespace socketbox::netcfg
