#include "socketbox/table/address.hpp"

#include <arpa/inet.h>

namespace socketbox::table {

bool tuple_from_sockaddrs(const sockaddr* local, const sockaddr* remote, Tuple& out) noexcept {
  auto one = [](const sockaddr* sa, Addr& addr, std::uint16_t& port) {
    if (sa->sa_family == AF_INET6) {
      const auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
      addr = Addr::from_in6(s6->sin6_addr);
      port = ntohs(s6->sin6_port);
      return true;
    }
    if (sa->sa_family == AF_INET) {
      const auto* s4 = reinterpret_cast<const sockaddr_in*>(sa);
      addr = Addr::from_in4(s4->sin_addr);
      port = ntohs(s4->sin_port);
      return true;
    }
    return false;
  };
  return one(local, out.local, out.lport) && one(remote, out.remote, out.rport);
}

}  // namespace socketbox::table
