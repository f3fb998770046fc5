#include "compile/drain.hpp"

#include <algorithm>
#include <stdexcept>

#include "socketbox/table/text_check.hpp"

namespace socketbox::sbctl {

std::string drain_target_problem(const std::string& to) {
  if (to.rfind("unix:/", 0) != 0) return "--to must be \"unix:/PATH\", got '" + to + "'";
  const std::string path = to.substr(5);
  if (const auto bad = table::check_socket_path(path)) return "--to: " + bad->what;
  if (path.find_first_of(" \t") != std::string::npos)
    return "--to socket path contains white space, which the table format cannot hold";
  return "";
}

void apply_drains(Profile& p, const std::vector<Drain>& drains) {
  for (const Drain& d : drains) {
    const auto r = std::find_if(p.routes.begin(), p.routes.end(),
                                [&](const Route& x) { return x.name == d.route; });
    if (r == p.routes.end())
      throw std::invalid_argument("no route named '" + d.route + "' in " + p.source);
    if (r->listener)
      throw std::invalid_argument("route '" + d.route +
                                  "' is a listener route: its server holds its listening socket, "
                                  "so there are no new connections to move; stop that server to "
                                  "drain it");
    RouteTarget& to = r->to;
    if (!d.to.empty()) {
      to.kind = RouteTarget::Kind::Unix;
      to.path = d.to.substr(5);
      to.failover.clear();
      to.failover_pos.clear();
      continue;
    }
    if (to.failover.size() < 2)
      throw std::invalid_argument("route '" + d.route +
                                  "' has one target, so nothing to drain to: give --to "
                                  "unix:/PATH");
    // The first socket is the one in service; the rest keep their order.
    to.failover.erase(to.failover.begin());
    to.failover_pos.erase(to.failover_pos.begin());
    to.path = to.failover[0];
    if (to.failover.size() == 1) {
      to.failover.clear();
      to.failover_pos.clear();
    }
  }
}

}  // namespace socketbox::sbctl
