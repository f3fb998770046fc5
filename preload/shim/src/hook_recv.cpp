// recv() and recvfrom() on an endpoint fail with ENOTCONN, as on a TCP
// listener, instead of consuming a connection's datagram. Python's ssl
// module probes a listening socket with recv(1) before wrapping it. (The
// library itself receives with recvmsg, which is not wrapped.)
#include <sys/socket.h>

#include <cerrno>

#include "config.hpp"
#include "endpoints.hpp"
#include "export.hpp"
#include "real.hpp"

using namespace socketbox::preload;

SB_HOOK ssize_t recv(int fd, void* buf, size_t len, int flags) {
  if (g_config.enabled && is_endpoint(fd)) {
    errno = ENOTCONN;
    return -1;
  }
  return real::recv(fd, buf, len, flags);
}

SB_HOOK ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr,
                         socklen_t* alen) {
  if (g_config.enabled && is_endpoint(fd)) {
    errno = ENOTCONN;
    return -1;
  }
  return real::recvfrom(fd, buf, len, flags, addr, alen);
}
