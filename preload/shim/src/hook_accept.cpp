// accept() and accept4() on an endpoint hand out received connections.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "adopt.hpp"
#include "config.hpp"
#include "endpoints.hpp"
#include "export.hpp"
#include "listener.hpp"
#include "real.hpp"
#include "receive_conn.hpp"
#include "receive_datagram.hpp"
#include "socketbox/receiver.h"

using namespace socketbox::preload;

namespace {

int accept_endpoint(int fd, int map, sockaddr* addr, socklen_t* len, int flags) noexcept {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
    errno = EINVAL;
    return -1;
  }
  // A listener-mode endpoint accepted on without listen() (inherited across
  // exec between bind and listen): install the listening socket first.
  if (g_config.listener[map]) {
    if (take_listener(fd, map, -1) != 0) return -1;
    return real::accept4(fd, addr, len, flags);
  }
  int conn = receive_connection(fd, map);
  if (conn < 0) return -1;
  if (socketbox::receiver::apply_received_flags(conn, flags) != 0) {
    int saved = errno;
    real::close(conn);
    errno = saved;
    return -1;
  }
  fill_peer_address(conn, map, addr, len);
  return conn;
}

// A datagram socket answers accept() with EOPNOTSUPP: that is when an fd we
// do not know yet may be an inherited endpoint.
int maybe_inherited(int fd, int failed_errno) noexcept {
  if (!g_config.enabled || failed_errno != EOPNOTSUPP) return -1;
  return endpoint_map(fd);
}

}  // namespace

SB_HOOK int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  EndpointInfo info;
  if (g_config.enabled && endpoint_info(fd, info))
    return accept_endpoint(fd, info.map, addr, len, flags);
  int rc = real::accept4(fd, addr, len, flags);
  if (rc < 0) {
    int saved = errno;
    int map = maybe_inherited(fd, saved);
    if (map >= 0) return accept_endpoint(fd, map, addr, len, flags);
    errno = saved;
  }
  return rc;
}

SB_HOOK int accept(int fd, sockaddr* addr, socklen_t* len) {
  EndpointInfo info;
  if (g_config.enabled && endpoint_info(fd, info))
    return accept_endpoint(fd, info.map, addr, len, 0);
  int rc = real::accept(fd, addr, len);
  if (rc < 0) {
    int saved = errno;
    int map = maybe_inherited(fd, saved);
    if (map >= 0) return accept_endpoint(fd, map, addr, len, 0);
    errno = saved;
  }
  return rc;
}
