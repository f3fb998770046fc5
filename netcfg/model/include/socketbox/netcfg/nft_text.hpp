// The socketbox table as nft prints it, piece by piece: one definition used
// by render_nft(), by the reader (naming what it found) and by
// object_drift() (naming what should be there).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

// [iif != "lo"] ip6 daddr @s06 (tcp dport @s0p | meta l4proto tcp)
// [counter [packets P bytes B]] tproxy ip6 to [::ffff:127.0.0.1]:PORT accept
// `counter`: the rule of a block with its own port; `counter_values` as for
// limit_rule_text().
std::string steer_rule_text(int family, const std::string& addr_set,
                            const std::optional<std::string>& port_set, std::uint16_t tproxy_port,
                            bool local_clients, bool counter = false,
                            const std::string& counter_values = "");
// "second", "minute", "hour", "day" for 1, 60, 3600, 86400 seconds.
std::string unit_name(std::uint32_t seconds);

// One limit rule of a steer block, as nft prints it:
// <steer match> ct state new add @s0c6 { ip6 saddr & ffff:ffff:ffff:ffff:: ct count over 3 }
// counter [packets P bytes B] reject with tcp reset
// (rate: update @s0r6 { ... limit rate over 20/second [burst B packets] }).
// `counter_values` empty: plain "counter" (the counts are the kernel's, not state).
struct LimitRuleText {
  int family = 0;
  std::string addr_set;
  std::optional<std::string> port_set;
  bool local_clients = false;
  bool conn = true;
  std::string dyn_set;
  unsigned prefix_bits = 0;
  SourceLimits limits;
};
std::string limit_rule_text(const LimitRuleText& r, const std::string& counter_values = "");
// A dynamic limit set's shape, for NftItem::text: "dynamic size 65535" or
// "dynamic,timeout size 65535 timeout 60s".
std::string limit_set_text(bool rate, std::uint64_t timeout_ms);

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
