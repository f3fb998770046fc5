// render_nft(): the nft -f text equivalent to what apply() loads. The table
// body is laid out exactly as `nft list table inet socketbox` prints it, so
// tests (and operators) can compare the two directly.
#include <sys/socket.h>

#include <string>

#include "interval.hpp"
#include "layout.hpp"
#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {
namespace {

std::string join_prefixes(const std::vector<Prefix>& prefixes, int family) {
  std::string out;
  for (const auto& p : prefixes) {
    if (p.family != family) continue;
    if (!out.empty()) out += ", ";
    out += p.str();
  }
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

std::string render_nft(const DesiredState& desired_in) {
  using layout::SetKind;
  const DesiredState desired = normalize(desired_in);
  std::string sets, rules;
  const std::string port = std::to_string(desired.tproxy_port);
  const std::string iif =
      desired.local_clients ? "" : std::string("iif != \"") + layout::kLoopback + "\" ";
  for (std::size_t n = 0; n < desired.steers.size(); ++n) {
    const Steer& steer = desired.steers[n];
    const std::string v6 = join_prefixes(steer.prefixes, AF_INET6);
    const std::string v4 = join_prefixes(steer.prefixes, AF_INET);
    const std::string ports = join_ports(steer.ports);
    const std::string dport = ports.empty()
                                  ? "meta l4proto tcp "
                                  : "tcp dport @" + layout::set_name(n, SetKind::Ports) + " ";
    if (!v6.empty()) {
      render_set(sets, layout::set_name(n, SetKind::V6), "ipv6_addr", v6);
      rules += "\t\t" + iif + "ip6 daddr @" + layout::set_name(n, SetKind::V6) + " " + dport +
               "tproxy ip6 to [::ffff:127.0.0.1]:" + port + " accept\n";
    }
    if (!v4.empty()) {
      render_set(sets, layout::set_name(n, SetKind::V4), "ipv4_addr", v4);
      rules += "\t\t" + iif + "ip daddr @" + layout::set_name(n, SetKind::V4) + " " + dport +
               "tproxy ip to 127.0.0.1:" + port + " accept\n";
    }
    if (!ports.empty())
      render_set(sets, layout::set_name(n, SetKind::Ports), "inet_service", ports);
  }
  std::string out;
  out += "# socketbox steering table. Loading this file replaces the whole table\n";
  out += "# in one transaction (the first line makes the delete succeed when absent).\n";
  out += std::string("table ") + kTableFamily + " " + kTableName + "\n";
  out += std::string("delete table ") + kTableFamily + " " + kTableName + "\n";
  out += std::string("table ") + kTableFamily + " " + kTableName + " {\n";
  out += sets;
  out += std::string("\tchain ") + layout::kChain + " {\n";
  out += std::string("\t\ttype ") + layout::kChainType +
         " hook prerouting priority mangle; policy accept;\n";
  out += rules;
  out += "\t}\n}\n";
  return out;
}

}  // namespace socketbox::netcfg
