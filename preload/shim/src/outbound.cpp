#include "outbound.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

#include "config.hpp"
#include "connection_name.hpp"
#include "log.hpp"
#include "real.hpp"
#include "socketbox/receiver.h"

namespace socketbox::preload {
namespace {

bool is_tcp_socket(int fd) noexcept {
  int type = 0, domain = 0, protocol = 0;
  socklen_t l1 = sizeof type, l2 = sizeof domain, l3 = sizeof protocol;
  return real::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) == 0 && type == SOCK_STREAM &&
         real::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l2) == 0 &&
         (domain == AF_INET || domain == AF_INET6) &&
         real::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &l3) == 0 &&
         protocol == IPPROTO_TCP;
}

// Timeouts the caller set before connecting still apply to its reads and
// writes on the new socket.
void copy_timeouts(int from, int to) noexcept {
  static constexpr int kNames[] = {SO_RCVTIMEO, SO_SNDTIMEO};
  for (int name : kNames) {
    timeval tv{};
    socklen_t len = sizeof tv;
    if (real::getsockopt(from, SOL_SOCKET, name, &tv, &len) == 0 && (tv.tv_sec || tv.tv_usec))
      real::setsockopt(to, SOL_SOCKET, name, &tv, len);
  }
}

}  // namespace

int connect_mapping_for(const sockaddr* addr, socklen_t len) noexcept {
  if (addr == nullptr || len < sizeof(sa_family_t) ||
      (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
    return -1;
  for (int i = 0; i < g_config.connect_count; ++i)
    if (connect_matches(g_config.connects[i], addr, len)) return i;
  return -1;
}

int outbound_connect(int fd, int index, const sockaddr* addr, socklen_t len) noexcept {
  int saved = errno;
  if (!is_tcp_socket(fd)) {
    int family;
    if (outbound_family(fd, family)) {
      errno = EISCONN;  // connected through us already
      return -1;
    }
    errno = saved;
    return real::connect(fd, addr, len);  // UDP, MPTCP, not a socket: not ours
  }
  errno = saved;
  const MapSpec& m = g_config.connects[index];
  int status = ::fcntl(fd, F_GETFL);
  int fdflags = ::fcntl(fd, F_GETFD);
  if (status < 0 || fdflags < 0) return -1;

  sockaddr_storage peer{}, local{};
  socklen_t plen = sizeof peer, llen = sizeof local;
  if (real::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) {
    errno = EISCONN;
    return -1;
  }
  if (real::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) llen = 0;

  int flags = SOCK_CLOEXEC | ((status & O_NONBLOCK) ? SOCK_NONBLOCK : 0);
  int conn = sb_connect_from(m.path, addr, len,
                             llen ? reinterpret_cast<sockaddr*>(&local) : nullptr, llen, flags);
  if (conn < 0) {
    int err = errno;
    if (g_config.debug) {
      char what[64];
      format_address(addr, what, sizeof what);
      log_line("fd %d: connect %s via %s: %s", fd, what, m.path, error_name(err));
    }
    errno = err;
    return -1;
  }
  copy_timeouts(fd, conn);
  // dup3 swaps the TCP socket out under the same number atomically; the
  // description (and so O_NONBLOCK) is the new socket's, set by sb_connect.
  if (real::dup3(conn, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
    int err = errno;
    real::close(conn);
    errno = err;
    return -1;
  }
  real::close(conn);
  if (g_config.debug) {
    char what[64];
    format_address(addr, what, sizeof what);
    log_line("fd %d: connected to %s via %s", fd, what, m.path);
  }
  errno = saved;
  return 0;
}

bool outbound_family(int fd, int& family) noexcept {
  int saved = errno;
  sockaddr_storage name{};
  socklen_t len = sizeof name;
  sockaddr_storage inet;
  socklen_t inet_len = 0;
  bool ours =
      real::getsockname(fd, reinterpret_cast<sockaddr*>(&name), &len) == 0 &&
      receiver::parse_connection_name(reinterpret_cast<sockaddr*>(&name), len, inet, inet_len);
  errno = saved;
  if (ours) family = inet.ss_family;
  return ours;
}

}  // namespace socketbox::preload
