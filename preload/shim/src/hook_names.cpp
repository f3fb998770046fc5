// getsockname() on an endpoint reports the address the server bound;
// getpeername() says ENOTCONN, as for any listening socket. On either end of
// an outbound connection (--connect, or sb_connect) both answer the IP
// addresses its Unix names spell (connection_name.hpp).
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "adopt.hpp"
#include "config.hpp"
#include "connection_name.hpp"
#include "endpoints.hpp"
#include "export.hpp"
#include "real.hpp"

using namespace socketbox::preload;

namespace {

void copy_out(const sockaddr_storage& from, socklen_t from_len, sockaddr* addr,
              socklen_t* len) noexcept {
  std::memcpy(addr, &from, *len < from_len ? *len : from_len);
  *len = from_len;
}

// The real answer, or the IP address it stands for.
void copy_out_named(const sockaddr_storage& from, socklen_t from_len, sockaddr* addr,
                    socklen_t* len) noexcept {
  sockaddr_storage inet;
  socklen_t inet_len = 0;
  if (socketbox::receiver::parse_connection_name(reinterpret_cast<const sockaddr*>(&from), from_len,
                                                 inet, inet_len))
    copy_out(inet, inet_len, addr, len);
  else
    copy_out(from, from_len, addr, len);
}

}  // namespace

SB_HOOK int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (!g_config.enabled || addr == nullptr || len == nullptr)
    return real::getsockname(fd, addr, len);
  EndpointInfo info;
  if (endpoint_info(fd, info)) {
    const MapSpec& m = g_config.maps[info.map];
    copy_out(m.addr, m.addr_len, addr, len);
    return 0;
  }
  // Read into our own buffer: a caller's short buffer would cut the path.
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  int rc = real::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  if (rc != 0) return rc;
  int map = adopt_if_endpoint(fd, reinterpret_cast<sockaddr*>(&local), local_len);
  if (map >= 0) {
    const MapSpec& m = g_config.maps[map];
    copy_out(m.addr, m.addr_len, addr, len);
    return 0;
  }
  copy_out_named(local, local_len, addr, len);
  return 0;
}

SB_HOOK int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (!g_config.enabled || addr == nullptr || len == nullptr)
    return real::getpeername(fd, addr, len);
  if (is_endpoint(fd)) {
    errno = ENOTCONN;
    return -1;
  }
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  int rc = real::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len);
  if (rc != 0) return rc;
  sockaddr_storage inet;
  socklen_t inet_len = 0;
  // In the family of this end's own name (an IPv4 client sees AF_INET).
  if (peer.ss_family == AF_UNIX &&
      socketbox::receiver::connection_address(fd, true, inet, inet_len))
    copy_out(inet, inet_len, addr, len);
  else
    copy_out(peer, peer_len, addr, len);
  return 0;
}
