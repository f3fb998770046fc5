#include "compile/desired_state.hpp"

#include <sys/socket.h>

#include <cstring>

namespace socketbox::sbctl {

netcfg::Prefix to_netcfg_prefix(const Net& n) {
  netcfg::Prefix p;
  const in6_addr a = n.addr.to_in6();
  // IPv4-mapped prefixes are IPv4 to the kernel: its ip (not ip6) rules and
  // routes see those packets.
  if (n.len >= 96 && n.addr.is_v4_mapped()) {
    p.family = AF_INET;
    std::memcpy(p.addr.data(), a.s6_addr + 12, 4);
    p.len = static_cast<std::uint8_t>(n.len - 96);
  } else {
    p.family = AF_INET6;
    std::memcpy(p.addr.data(), a.s6_addr, 16);
    p.len = static_cast<std::uint8_t>(n.len);
  }
  return p;
}

Net from_netcfg_prefix(const netcfg::Prefix& p) {
  Net n;
  if (p.family == AF_INET) {
    in_addr a{};
    std::memcpy(&a, p.addr.data(), 4);
    n.addr = table::Addr::from_in4(a);
    n.len = p.len + 96;
    n.v4 = true;
  } else {
    in6_addr a{};
    std::memcpy(a.s6_addr, p.addr.data(), 16);
    n.addr = table::Addr::from_in6(a);
    n.len = p.len;
  }
  n.addr = n.addr & n.mask();
  return n;
}

netcfg::DesiredState desired_state(const Profile& p) {
  netcfg::DesiredState d;
  d.tproxy_port = p.daemon.tproxy_port;
  d.local_clients = p.local_clients;
  for (const SteerBlock& s : p.steers) {
    netcfg::Steer st;
    for (const auto& e : s.prefixes) st.prefixes.push_back(to_netcfg_prefix(e.net));
    if (!s.ports.any())
      for (const auto& r : s.ports.ranges()) st.ports.push_back({r.lo, r.hi});
    st.limits.max_conn = s.limits.max_conn;
    st.limits.rate = s.limits.rate;
    st.limits.rate_unit = s.limits.rate_unit;
    st.limits.burst = s.limits.burst;
    st.limits.prefix6 = s.limits.prefix6;
    st.limits.prefix4 = s.limits.prefix4;
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
