// render_nft(): the nft -f text equivalent to what apply() loads. The table
// body is laid out exactly as `nft list table inet socketbox` prints it, so
// tests (and operators) can compare the two directly.
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "socketbox/netcfg/interval.hpp"
#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_layout.hpp"
#include "socketbox/netcfg/nft_text.hpp"

namespace socketbox::netcfg {
namespace {

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

void render_set(std::string& out, const std::string& name, const char* type,
                const std::string& elements) {
  out += "\tset " + name + " {\n";
  out += std::string("\t\ttype ") + type + "\n";
  out += "\t\tflags interval\n";
  out += "\t\telements = { " + elements + " }\n";
  out += "\t}\n\n";
}

}  // namespace

namespace {

std::string steer_match_text(int family, const std::string& addr_set,
                             const std::optional<std::string>& port_set, bool local_clients) {
  const bool v6 = family == AF_INET6;
  std::string out = local_clients ? "" : std::string("iif != \"") + layout::kLoopback + "\" ";
  out += (v6 ? "ip6 daddr @" : "ip daddr @") + addr_set + " ";
  out += port_set ? "tcp dport @" + *port_set + " " : "meta l4proto tcp ";
  return out;
}

// nft's way of printing a set timeout: the largest whole unit.
std::string duration_text(std::uint64_t ms) {
  if (ms % 86400000 == 0) return std::to_string(ms / 86400000) + "d";
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

void render_limit_set(std::string& out, const std::string& name, const char* type, bool rate,
                      std::uint32_t rate_unit) {
  out += "\tset " + name + " {\n";
  out += std::string("\t\ttype ") + type + "\n";
  out += "\t\tsize " + std::to_string(layout::kLimitSetSize) + "\n";
  out += rate ? "\t\tflags dynamic,timeout\n" : "\t\tflags dynamic\n";
  if (rate) out += "\t\ttimeout " + duration_text(layout::rate_timeout_ms(rate_unit)) + "\n";
  out += "\t}\n\n";
}

std::string mask_text(int family, unsigned bits) {
  const auto mask = layout::prefix_mask(bits, family == AF_INET6 ? 16 : 4);
  return Prefix::from_kernel(family, mask.data(), family == AF_INET6 ? 128 : 32)->str();
}

// The port a block's TPROXY rules send to: its own, or the main one.
std::uint16_t steer_port(const DesiredState& d, const Steer& steer) {
  return steer.tproxy_port != 0 ? steer.tproxy_port : d.tproxy_port;
}

// The limit sets and rules of one family of steer block n, in build order.
struct LimitParts {
  std::vector<std::pair<std::string, bool>> sets;  // name, is a rate set
  std::vector<LimitRuleText> rules;
};

LimitParts limit_parts(std::size_t n, int family, const std::string& addr_set,
                       const std::optional<std::string>& ports, const DesiredState& d,
                       const SourceLimits& l) {
  using layout::SetKind;
  const bool v6 = family == AF_INET6;
  LimitParts out;
  const unsigned bits = v6 ? l.prefix6 : l.prefix4;
  if (l.max_conn) {
    const std::string set = layout::set_name(n, v6 ? SetKind::ConnV6 : SetKind::ConnV4);
    out.sets.emplace_back(set, false);
    out.rules.push_back({family, addr_set, ports, d.local_clients, true, set, bits, l});
  }
  if (l.rate) {
    const std::string set = layout::set_name(n, v6 ? SetKind::RateV6 : SetKind::RateV4);
    out.sets.emplace_back(set, true);
    out.rules.push_back({family, addr_set, ports, d.local_clients, false, set, bits, l});
  }
  return out;
}

}  // namespace

std::string limit_rule_text(const LimitRuleText& r, const std::string& counter_values) {
  const bool v6 = r.family == AF_INET6;
  std::string key = v6 ? "ip6 saddr" : "ip saddr";
  if (r.prefix_bits < (v6 ? 128U : 32U)) key += " & " + mask_text(r.family, r.prefix_bits);
  std::string out = steer_match_text(r.family, r.addr_set, r.port_set, r.local_clients);
  out += "ct state new ";
  if (r.conn) {
    out += "add @" + r.dyn_set + " { " + key + " ct count over " +
           std::to_string(r.limits.max_conn) + " } ";
  } else {
    out += "update @" + r.dyn_set + " { " + key + " limit rate over " +
           std::to_string(r.limits.rate) + "/" + unit_name(r.limits.rate_unit);
    // nft leaves out its default burst of 5.
    if (r.limits.burst != 5) out += " burst " + std::to_string(r.limits.burst) + " packets";
    out += " } ";
  }
  out += counter_values.empty() ? "counter " : "counter " + counter_values + " ";
  return out + "reject with tcp reset";
}

std::string limit_set_text(bool rate, std::uint64_t timeout_ms) {
  std::string out = rate ? "dynamic,timeout" : "dynamic";
  out += " size " + std::to_string(layout::kLimitSetSize);
  if (rate) out += " timeout " + duration_text(timeout_ms);
  return out;
}

std::string steer_rule_text(int family, const std::string& addr_set,
                            const std::optional<std::string>& port_set, std::uint16_t tproxy_port,
                            bool local_clients, bool counter, const std::string& counter_values) {
  const bool v6 = family == AF_INET6;
  std::string out = steer_match_text(family, addr_set, port_set, local_clients);
  if (counter) out += counter_values.empty() ? "counter " : "counter " + counter_values + " ";
  out += v6 ? "tproxy ip6 to [::ffff:127.0.0.1]:" : "tproxy ip to 127.0.0.1:";
  return out + std::to_string(tproxy_port) + " accept";
}

std::string chain_text() {
  return std::string("type ") + layout::kChainType +
         " hook prerouting priority mangle; policy accept;";
}

std::vector<std::string> prefix_elements(std::vector<Prefix> prefixes, int family) {
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<std::string> out;
  for (const auto& p : prefixes)
    if (p.family() == family) out.push_back(p.str());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> port_elements(std::vector<PortRange> ports) {
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  std::vector<std::string> out;
  out.reserve(ports.size());
  for (const auto& r : ports) out.push_back(r.str());
  return out;
}

std::vector<NftItem> nft_items(const DesiredState& desired_in) {
  using layout::SetKind;
  const DesiredState desired = normalize(desired_in);
  std::vector<NftItem> out;
  out.push_back({NftItem::Kind::Chain, layout::kChain, chain_text(), {}});
  for (std::size_t n = 0; n < desired.steers.size(); ++n) {
    const Steer& steer = desired.steers[n];
    std::optional<std::string> ports;
    if (!steer.ports.empty()) {
      ports = layout::set_name(n, SetKind::Ports);
      out.push_back({NftItem::Kind::Set, *ports, "", port_elements(steer.ports)});
    }
    for (const int family : {AF_INET6, AF_INET}) {
      std::vector<std::string> elements = prefix_elements(steer.prefixes, family);
      if (elements.empty()) continue;
      const std::string set = layout::set_name(n, family == AF_INET6 ? SetKind::V6 : SetKind::V4);
      out.push_back({NftItem::Kind::Set, set, "", std::move(elements)});
      const LimitParts limits = limit_parts(n, family, set, ports, desired, steer.limits);
      for (const auto& [name, rate] : limits.sets)
        out.push_back({NftItem::Kind::Set,
                       name,
                       limit_set_text(rate, layout::rate_timeout_ms(steer.limits.rate_unit)),
                       {}});
      for (const auto& r : limits.rules)
        out.push_back({NftItem::Kind::Rule, r.dyn_set, limit_rule_text(r), {}});
      out.push_back({NftItem::Kind::Rule,
                     set,
                     steer_rule_text(family, set, ports, steer_port(desired, steer),
                                     desired.local_clients, steer.tproxy_port != 0),
                     {}});
    }
  }
  return out;
}

std::string render_nft(const DesiredState& desired_in) {
  using layout::SetKind;
  const DesiredState desired = normalize(desired_in);
  std::string sets, rules;
  for (std::size_t n = 0; n < desired.steers.size(); ++n) {
    const Steer& steer = desired.steers[n];
    const std::vector<std::string> v6 = prefix_elements(steer.prefixes, AF_INET6);
    const std::vector<std::string> v4 = prefix_elements(steer.prefixes, AF_INET);
    std::optional<std::string> ports;
    if (!steer.ports.empty()) ports = layout::set_name(n, SetKind::Ports);
    // Sets in the order build_nft() makes them (nft lists them so).
    std::string limit_sets;
    for (const int family : {AF_INET6, AF_INET}) {
      const bool is6 = family == AF_INET6;
      if ((is6 ? v6 : v4).empty()) continue;
      const std::string set = layout::set_name(n, is6 ? SetKind::V6 : SetKind::V4);
      render_set(sets, set, is6 ? "ipv6_addr" : "ipv4_addr", joined(is6 ? v6 : v4));
      const LimitParts limits = limit_parts(n, family, set, ports, desired, steer.limits);
      for (const auto& [name, rate] : limits.sets)
        render_limit_set(limit_sets, name, is6 ? "ipv6_addr" : "ipv4_addr", rate,
                         steer.limits.rate_unit);
      // Counters written out as nft lists them, so a fresh table lists as this text.
      for (const auto& r : limits.rules)
        rules += "\t\t" + limit_rule_text(r, "packets 0 bytes 0") + "\n";
      rules += "\t\t" +
               steer_rule_text(family, set, ports, steer_port(desired, steer),
                               desired.local_clients, steer.tproxy_port != 0, "packets 0 bytes 0") +
               "\n";
    }
    if (ports) render_set(sets, *ports, "inet_service", join_ports(steer.ports));
    sets += limit_sets;
  }
  std::string out;
  out += "# socketbox steering table. Loading this file replaces the whole table\n";
  out += "# in one transaction (the first line makes the delete succeed when absent).\n";
  out += std::string("table ") + kTableFamily + " " + kTableName + "\n";
  out += std::string("delete table ") + kTableFamily + " " + kTableName + "\n";
  out += std::string("table ") + kTableFamily + " " + kTableName + " {\n";
  out += sets;
  out += std::string("\tchain ") + layout::kChain + " {\n";
  out += "\t\t" + chain_text() + "\n";
  out += rules;
  out += "\t}\n}\n";
  return out;
}

}  // namespace socketbox::netcfg
