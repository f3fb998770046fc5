// diff(): desired vs actual kernel state as "+ / - / ~" lines, nft first,
// then routes. Both sides are compared in normal form (sorted sets).
#include <algorithm>
#include <set>
#include <string>

#include "diff_parts.hpp"
#include "socketbox/netcfg/interval.hpp"
#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {
namespace {

std::string ports_text(const std::vector<PortRange>& ports) {
  return ports.empty() ? "all" : join_ports(ports);
}

// "ports 80, 443" and, for a block with its own port, ", tproxy port 9000".
std::string block_text(const Steer& s) {
  std::string out = "ports " + ports_text(s.ports);
  if (s.tproxy_port != 0) out += ", tproxy port " + std::to_string(s.tproxy_port);
  return out;
}

std::string own_port_text(std::uint16_t port) { return port ? std::to_string(port) : "main"; }

// Whether some block sends to the main tproxy port.
bool uses_main_port(const DesiredState& d) {
  return std::any_of(d.steers.begin(), d.steers.end(),
                     [](const Steer& s) { return s.tproxy_port == 0; });
}

template <typename T, typename Text>
void set_diff(const std::vector<T>& want, const std::vector<T>& have, Text text,
              std::vector<Change>& out) {
  for (const auto& x : have)
    if (!std::binary_search(want.begin(), want.end(), x))
      out.push_back({Change::Kind::Remove, text(x)});
  for (const auto& x : want)
    if (!std::binary_search(have.begin(), have.end(), x))
      out.push_back({Change::Kind::Add, text(x)});
}

}  // namespace

std::string route_text(const Prefix& p) { return "route local " + p.str() + " dev lo"; }

std::vector<Prefix> desired_routes(const DesiredState& d) {
  std::set<Prefix> all;
  for (const auto& s : d.steers) all.insert(s.prefixes.begin(), s.prefixes.end());
  return {all.begin(), all.end()};
}

std::vector<Change> diff_nft(const DesiredState& desired_in, const KernelState& actual) {
  const DesiredState want = normalize(desired_in);
  const DesiredState have = normalize(actual.steering);
  std::vector<Change> out;
  if (!actual.table_present)
    out.push_back({Change::Kind::Add, std::string("nft table ") + kTableFamily + " " + kTableName});
  for (const auto& odd : actual.unrecognized) out.push_back({Change::Kind::Remove, odd});
  const std::size_t n = std::max(want.steers.size(), have.steers.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::string in = " in steer " + std::to_string(i);
    static const Steer none;
    const Steer& w = i < want.steers.size() ? want.steers[i] : none;
    const Steer& h = i < have.steers.size() ? have.steers[i] : none;
    if (i >= have.steers.size())
      out.push_back(
          {Change::Kind::Add, "nft steer " + std::to_string(i) + " (" + block_text(w) + ")"});
    if (i >= want.steers.size())
      out.push_back(
          {Change::Kind::Remove, "nft steer " + std::to_string(i) + " (" + block_text(h) + ")"});
    set_diff(
        w.prefixes, h.prefixes, [&](const Prefix& p) { return "nft element " + p.str() + in; },
        out);
    if (w.limits != h.limits) {
      // A whole block added or removed says its limits here too.
      const Change::Kind kind = !h.limits.any()   ? Change::Kind::Add
                                : !w.limits.any() ? Change::Kind::Remove
                                                  : Change::Kind::Modify;
      const std::string what = kind == Change::Kind::Add ? to_string(w.limits)
                               : kind == Change::Kind::Remove
                                   ? to_string(h.limits)
                                   : to_string(h.limits) + " -> " + to_string(w.limits);
      out.push_back({kind, "nft limits" + in + ": " + what});
    }
    if (i < want.steers.size() && i < have.steers.size()) {
      if (w.ports.empty() != h.ports.empty()) {
        out.push_back({Change::Kind::Modify, "nft ports" + in + ": " + ports_text(h.ports) +
                                                 " -> " + ports_text(w.ports)});
      } else {
        set_diff(
            w.ports, h.ports, [&](const PortRange& r) { return "nft port " + r.str() + in; }, out);
      }
      if (w.tproxy_port != h.tproxy_port)
        out.push_back({Change::Kind::Modify, "tproxy port" + in + ": " +
                                                 own_port_text(h.tproxy_port) + " -> " +
                                                 own_port_text(w.tproxy_port)});
    }
  }
  // Port and client mode live in the rules: only meaningful where rules
  // exist, the main port only where rules without their own port exist.
  if (!want.steers.empty() && !have.steers.empty()) {
    if (want.tproxy_port != have.tproxy_port && uses_main_port(want) && uses_main_port(have))
      out.push_back({Change::Kind::Modify, "tproxy port " + std::to_string(have.tproxy_port) +
                                               " -> " + std::to_string(want.tproxy_port)});
    if (want.local_clients != have.local_clients)
      out.push_back({Change::Kind::Modify, std::string("local clients ") +
                                               (have.local_clients ? "on" : "off") + " -> " +
                                               (want.local_clients ? "on" : "off")});
  }
  return out;
}

std::vector<Change> diff_routes(const DesiredState& desired, const KernelState& actual) {
  std::vector<Prefix> have = actual.routes;
  std::sort(have.begin(), have.end());
  std::vector<Change> out;
  set_diff(
      desired_routes(normalize(desired)), have, [](const Prefix& p) { return route_text(p); }, out);
  return out;
}

std::vector<Change> diff(const DesiredState& desired, const KernelState& actual) {
  std::vector<Change> out = diff_nft(desired, actual);
  std::vector<Change> routes = diff_routes(desired, actual);
  out.insert(out.end(), routes.begin(), routes.end());
  return out;
}

}  // namespace socketbox::netcfg
