// The socketbox table as nft prints it, piece by piece: one definition used
// by render_nft(), by the reader (naming what it found) and by
// object_drift() (naming what should be there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {

// [iif != "lo"] ip6 daddr @s06 (tcp dport @s0p | meta l4proto tcp)
// tproxy ip6 to [::ffff:127.0.0.1]:PORT accept
std::string steer_rule_text(int family, const std::string& addr_set,
                            const std::optional<std::string>& port_set, std::uint16_t tproxy_port,
                            bool local_clients);
// "type filter hook prerouting priority mangle; policy accept;"
std::string chain_text();
// A set's elements as nft prints them, sorted: "2001:db8::/64", "80-443".
std::vector<std::string> prefix_elements(std::vector<Prefix> prefixes, int family);
std::vector<std::string> port_elements(std::vector<PortRange> ports);

// What the reader says of a set that no rule looks up.
inline std::string unused_set_text(const std::string& name) {
  return "nft set " + name + " is used by no rule";
}

// The chain, sets and rules build_nft() makes for `desired`.
std::vector<NftItem> nft_items(const DesiredState& desired);

}  // namespace socketbox::netcfg
