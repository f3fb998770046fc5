#include "compile/desired_state.hpp"

namespace socketbox::sbctl {

netcfg::DesiredState desired_state(const Profile& p) {
  netcfg::DesiredState d;
  d.tproxy_port = p.daemon.tproxy_port;
  d.local_clients = p.local_clients;
  // Listener routes first: nft steers them to their own sockets before any
  // [[steer]] block sends the rest to sbd (the parser made sure no route
  // before one overlaps it, so first match is kept).
  for (const Route& r : p.routes) {
    if (!r.listener) continue;
    netcfg::Steer st({*r.dest}, r.ports.ranges());
    st.tproxy_port = r.listener_port;
    d.steers.push_back(std::move(st));
  }
  for (const SteerBlock& s : p.steers) {
    netcfg::Steer st;
    for (const auto& e : s.prefixes) st.prefixes.push_back(e.net);
    if (!s.ports.any()) st.ports = s.ports.ranges();
    st.limits.max_conn = s.limits.max_conn;
    st.limits.rate = s.limits.rate;
    st.limits.rate_unit = s.limits.rate_unit;
    st.limits.burst = s.limits.burst;
    st.limits.prefix6 = s.limits.prefix6;
    st.limits.prefix4 = s.limits.prefix4;
    st.tproxy_port = s.tproxy_port;
    d.steers.push_back(std::move(st));
  }
  return d;
}

std::vector<netcfg::SocketDir> socket_dirs(const Profile& p) {
  std::vector<netcfg::SocketDir> out;
  for (const auto& s : p.socketdirs) out.push_back({s.path, s.owner_uid, s.access_group});
  return out;
}

}  // namespace socketbox::sbctl
