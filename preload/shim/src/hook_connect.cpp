// connect() to an address given with --connect reaches that server's
// receiving socket instead of the network (outbound.hpp).
#include <sys/socket.h>

#include <cerrno>

#include "config.hpp"
#include "export.hpp"
#include "outbound.hpp"
#include "real.hpp"

using namespace socketbox::preload;

namespace {

// An IP connect on a connection we made: the kernel sees a Unix socket and
// says EINVAL (or EAFNOSUPPORT); a TCP socket would say EISCONN.
int connect_again(int fd, const sockaddr* addr, socklen_t len) noexcept {
  int rc = real::connect(fd, addr, len);
  if (rc < 0 && (errno == EINVAL || errno == EAFNOSUPPORT) && addr != nullptr &&
      len >= sizeof(sa_family_t) && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
    int family;
    if (outbound_family(fd, family)) errno = EISCONN;
  }
  return rc;
}

}  // namespace

SB_HOOK int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (!g_config.enabled || g_config.connect_count == 0) return real::connect(fd, addr, len);
  int index = connect_mapping_for(addr, len);
  if (index < 0) return connect_again(fd, addr, len);
  return outbound_connect(fd, index, addr, len);
}
