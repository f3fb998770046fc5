// render_nft(): the nft -f text equivalent to what apply() loads. The table
// body is laid out exactly as `nft list table inet socketbox` prints it, so
// tests (and operators) can compare the two directly.
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>

#include "interval.hpp"
#include "layout.hpp"
#include "nft_text.hpp"
#include "socketbox/netcfg/netcfg.hpp"

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

std::string port_text(const PortRange& r) {
  return r.lo == r.hi ? std::to_string(r.lo) : std::to_string(r.lo) + "-" + std::to_string(r.hi);
}

}  // namespace

std::string steer_rule_text(int family, const std::string& addr_set,
                            const std::optional<std::string>& port_set, std::uint16_t tproxy_port,
                            bool local_clients) {
  const bool v6 = family == AF_INET6;
  std::string out = local_clients ? "" : std::string("iif != \"") + layout::kLoopback + "\" ";
  out += (v6 ? "ip6 daddr @" : "ip daddr @") + addr_set + " ";
  out += port_set ? "tcp dport @" + *port_set + " " : "meta l4proto tcp ";
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
    if (p.family == family) out.push_back(p.str());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> port_elements(std::vector<PortRange> ports) {
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  std::vector<std::string> out;
  out.reserve(ports.size());
  for (const auto& r : ports) out.push_back(port_text(r));
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
      out.push_back(
          {NftItem::Kind::Rule,
           set,
           steer_rule_text(family, set, ports, desired.tproxy_port, desired.local_clients),
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
    if (!v6.empty()) {
      const std::string set = layout::set_name(n, SetKind::V6);
      render_set(sets, set, "ipv6_addr", joined(v6));
      rules += "\t\t" +
               steer_rule_text(AF_INET6, set, ports, desired.tproxy_port, desired.local_clients) +
               "\n";
    }
    if (!v4.empty()) {
      const std::string set = layout::set_name(n, SetKind::V4);
      render_set(sets, set, "ipv4_addr", joined(v4));
      rules += "\t\t" +
               steer_rule_text(AF_INET, set, ports, desired.tproxy_port, desired.local_clients) +
               "\n";
    }
    if (ports) render_set(sets, *ports, "inet_service", join_ports(steer.ports));
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
