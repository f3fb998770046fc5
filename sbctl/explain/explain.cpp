#include "explain/explain.hpp"

#include "compile/desired_state.hpp"
#include "compile/route_match.hpp"
#include "socketbox/table/writer.hpp"

namespace socketbox::sbctl {

std::optional<SteerMatch> profile_steer_for(const Profile& p, const table::Addr& a,
                                            std::uint16_t port) {
  for (std::size_t b = 0; b < p.steers.size(); ++b) {
    if (!p.steers[b].ports.contains(port)) continue;
    for (std::size_t i = 0; i < p.steers[b].prefixes.size(); ++i)
      if (p.steers[b].prefixes[i].net.contains(a)) return SteerMatch{b, i};
  }
  return std::nullopt;
}

bool kernel_steers(const netcfg::KernelState& k, const table::Addr& a, std::uint16_t port,
                   std::string& why) {
  if (!k.table_present) {
    why = "there is no 'inet socketbox' nft table";
    return false;
  }
  std::optional<Prefix> by_nft;
  std::uint16_t own_port = 0;  // the matching block's own TPROXY port (a listener route's)
  bool addr_seen = false;
  for (const auto& s : k.steering.steers)
    for (const Prefix& n : s.prefixes) {
      if (!n.contains(a)) continue;
      addr_seen = true;
      bool port_ok = s.ports.empty();
      for (const auto& r : s.ports) port_ok = port_ok || (port >= r.lo && port <= r.hi);
      if (port_ok && !by_nft) {
        by_nft = n;
        own_port = s.tproxy_port;
      }
    }
  if (!by_nft) {
    why = addr_seen ? "nft steers the address but not port " + std::to_string(port)
                    : "no nft steer rule covers the address";
    return false;
  }
  for (const Prefix& n : k.routes) {
    if (n.contains(a)) {
      why = "nft steers " + by_nft->str() +
            (own_port ? " to a listener route's socket (TPROXY to port " + std::to_string(own_port)
                      : " to sbd (TPROXY to port " + std::to_string(k.steering.tproxy_port)) +
            "), local route " + n.str() + " dev lo";
      return true;
    }
  }
  why = "nft steers " + by_nft->str() +
        " but there is no local route for the address (packets are forwarded, "
        "not delivered)";
  return false;
}

Explanation explain(const Profile& p, const CompiledTable& c, const table::Tuple& t) {
  Explanation e;
  e.tuple = t;
  e.route = first_matching_route(p, t);
  e.action = c.table.lookup(t, &e.trace);
  if (e.action.kind == table::ActionKind::Unix) {
    e.verdict = "unix:" + c.table.targets[e.action.arg].path;
  } else if (e.action.kind == table::ActionKind::UnixAny) {
    // As RouteTarget::sbd_verdict() writes a failover list.
    e.verdict = "unix-any:";
    for (const std::uint32_t i : c.table.targets_of_list(e.action.arg))
      e.verdict += (e.verdict.back() == ':' ? "" : ",") + c.table.targets[i].path;
  } else {
    e.verdict = "closed";
  }
  if (e.route && p.routes[*e.route].listener) {
    // nft takes it to the route's own listening socket; sbd's table never
    // sees it, so there is nothing of sbd's to agree with.
    e.listener_port = p.routes[*e.route].listener_port;
    e.verdict =
        "listener:" + std::to_string(e.listener_port) + " unix:" + p.routes[*e.route].to.path;
    e.trace = {};
    return e;
  }
  const std::string expected = e.route ? p.routes[*e.route].to.sbd_verdict() : "closed";
  e.agrees = expected == e.verdict;
  e.steer = profile_steer_for(p, t.local, t.lport);
  return e;
}

std::vector<std::string> describe_trace(const Profile& p, const CompiledTable& c,
                                        const table::Trace& trace) {
  std::vector<std::string> out;
  for (const auto& step : trace.steps) {
    std::string s = step.in_map ? "map-set:" : "rule-set:";
    s += std::to_string(step.set_id);
    if (step.entry < 0) {
      s += " default";
      if (step.pos.line) s += " (table line " + std::to_string(step.pos.line) + ")";
    } else {
      s += (step.in_map ? " entry " : " rule ") + std::to_string(step.entry + 1) + " (table line " +
           std::to_string(step.pos.line);
      const long r = c.route_at_line(step.pos.line);
      if (r >= 0)
        s += ", route " + std::to_string(r + 1) + " at " + p.source + ":" +
             std::to_string(p.routes[r].pos.line);
      s += ")";
    }
    s += " -> " + table::format_action(c.table, step.action);
    out.push_back(s);
  }
  return out;
}

}  // namespace socketbox::sbctl
