// Socket options on an endpoint: what servers set on a TCP listener
// (SO_REUSEADDR, IPV6_V6ONLY, TCP_DEFER_ACCEPT, TCP_FASTOPEN, ...) succeeds
// without effect; what they read back describes a TCP listener. On an
// outbound connection (a Unix socketpair standing in for TCP) TCP/IP-level
// options succeed without effect and read as 0, SO_DOMAIN and SO_PROTOCOL
// answer the IP family and TCP.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "adopt.hpp"
#include "config.hpp"
#include "endpoints.hpp"
#include "export.hpp"
#include "outbound.hpp"
#include "real.hpp"

using namespace socketbox::preload;

namespace {

// Options that really apply to the receiving socket (accept() timeouts).
bool passes_through(int level, int name) noexcept {
  return level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO || name == SO_RCVBUF ||
                                 name == SO_RCVBUFFORCE || name == SO_ERROR);
}

int put_int(void* val, socklen_t* len, int v) noexcept {
  if (val == nullptr || len == nullptr || *len < sizeof(int)) {
    errno = EINVAL;
    return -1;
  }
  std::memcpy(val, &v, sizeof v);
  *len = sizeof v;
  return 0;
}

int endpoint_getsockopt(int fd, int map, int level, int name, void* val, socklen_t* len) noexcept {
  if (passes_through(level, name)) return real::getsockopt(fd, level, name, val, len);
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_TYPE:
        return put_int(val, len, SOCK_STREAM);
      case SO_DOMAIN:
        return put_int(val, len, g_config.maps[map].addr.ss_family);
      case SO_PROTOCOL:
        return put_int(val, len, IPPROTO_TCP);
      case SO_ACCEPTCONN: {
        EndpointInfo info;
        return put_int(val, len, endpoint_info(fd, info) && info.listening ? 1 : 0);
      }
      default:
        return real::getsockopt(fd, level, name, val, len);
    }
  }
  // TCP/IP-level options of a listener we only pretend to be: report 0.
  return put_int(val, len, 0);
}

int outbound_getsockopt(int fd, int family, int level, int name, void* val,
                        socklen_t* len) noexcept {
  if (level == SOL_SOCKET) {
    if (name == SO_DOMAIN) return put_int(val, len, family);
    if (name == SO_PROTOCOL) return put_int(val, len, IPPROTO_TCP);
    return real::getsockopt(fd, level, name, val, len);
  }
  if (val == nullptr || len == nullptr || *len == 0) {
    errno = EINVAL;
    return -1;
  }
  std::memset(val, 0, *len);  // TCP_NODELAY, IP_TOS, ... (TCP_INFO: all zero)
  return 0;
}

}  // namespace

SB_HOOK int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
  if (g_config.enabled && is_endpoint(fd))
    return passes_through(level, name) ? real::setsockopt(fd, level, name, val, len) : 0;
  int rc = real::setsockopt(fd, level, name, val, len);
  if (rc < 0 && g_config.enabled) {
    int saved = errno;
    if (endpoint_map(fd) >= 0) return passes_through(level, name) ? rc : 0;
    int family;
    if (level != SOL_SOCKET && outbound_family(fd, family)) {
      errno = saved;
      return 0;
    }
    errno = saved;
  }
  return rc;
}

SB_HOOK int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
  if (!g_config.enabled) return real::getsockopt(fd, level, name, val, len);
  EndpointInfo info;
  if (endpoint_info(fd, info)) return endpoint_getsockopt(fd, info.map, level, name, val, len);
  int rc = real::getsockopt(fd, level, name, val, len);
  // Only a datagram or Unix answer (or a TCP option refused) can mean an
  // inherited endpoint; ordinary sockets pay nothing more.
  int saved = errno;
  bool hint = rc != 0;
  if (rc == 0 && level == SOL_SOCKET && val != nullptr && len != nullptr && *len >= sizeof(int)) {
    int v;
    std::memcpy(&v, val, sizeof v);
    hint = (name == SO_TYPE && v == SOCK_DGRAM) || (name == SO_DOMAIN && v == AF_UNIX) ||
           (name == SO_PROTOCOL && v == 0) || name == SO_ACCEPTCONN;
  }
  if (hint) {
    int map = endpoint_map(fd);
    if (map >= 0) return endpoint_getsockopt(fd, map, level, name, val, len);
    int family;
    if (outbound_family(fd, family)) {
      if (rc == 0 && level == SOL_SOCKET && name != SO_DOMAIN && name != SO_PROTOCOL) {
        errno = saved;
        return rc;  // the real answer (SO_ACCEPTCONN 0, ...)
      }
      return outbound_getsockopt(fd, family, level, name, val, len);
    }
  }
  errno = saved;
  return rc;
}
