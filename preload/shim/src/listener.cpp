#include "listener.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstdint>

#include "config.hpp"
#include "endpoints.hpp"
#include "log.hpp"
#include "real.hpp"
#include "receive_datagram.hpp"
#include "socketbox/receiver.h"

namespace socketbox::preload {
namespace {

std::int64_t now_ms() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A copy of fd, close-on-exec, at a number the server is unlikely to use:
// near the top of the first 1024 (a larger fd table would cost memory; a
// select() server never reaches that high), or anywhere if that fails.
int hide(int fd) noexcept {
  int floor = 3;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t top = rl.rlim_cur < 1024 ? rl.rlim_cur : 1024;
    if (top > 3 + 2 * kMaxMaps) floor = static_cast<int>(top) - 2 * kMaxMaps;
  }
  int h = ::fcntl(fd, F_DUPFD_CLOEXEC, floor);
  if (h < 0) h = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  return h;
}

void close_keeping_errno(int fd) noexcept {
  int saved = errno;
  real::close(fd);
  errno = saved;
}

}  // namespace

int take_listener(int fd, int map, int backlog) noexcept {
  const MapSpec& m = g_config.maps[map];
  char what[64];
  format_address(reinterpret_cast<const sockaddr*>(&m.addr), what, sizeof what);
  const int status = ::fcntl(fd, F_GETFL);
  const int fdflags = ::fcntl(fd, F_GETFD);
  if (status < 0 || fdflags < 0) return -1;

  // The same senders as for connections: --require-uid's uid (or the token).
  sb_recv_filter filter{};
  unsigned char token[kTokenSize];
  if (g_config.check_uid) {
    filter.check_uid = 1;
    filter.uid = g_config.uid;
    if (endpoint_token(fd, token)) {
      filter.token = token;
      filter.token_len = sizeof token;
    }
  }
  // A signal does not cut the wait short: listen() has no EINTR to report.
  const int wait_s = g_config.listener_wait;
  const std::int64_t deadline = now_ms() + static_cast<std::int64_t>(wait_s) * 1000;
  int lfd;
  for (;;) {
    std::int64_t left = deadline - now_ms();
    if (left < 0) left = 0;
    lfd = receiver::recv_listener(fd, static_cast<int>(left), SOCK_CLOEXEC, &filter);
    if (lfd >= 0 || errno != EINTR) break;
  }
  if (lfd < 0) {
    if (errno == ETIMEDOUT) {
      log_line(
          "no listening socket arrived at %s within %d s (is sbd running with a listener "
          "route for it?)",
          m.path, wait_s);
      errno = EADDRNOTAVAIL;
    } else {
      log_line("listen %s: cannot receive the listening socket at %s: %s", what, m.path,
               error_name(errno));
    }
    return -1;
  }
  // O_NONBLOCK lives in the (shared) open file description, FD_CLOEXEC in
  // the descriptor: the first is set here, the second by dup3.
  if (sb_apply_accept_flags(lfd, (status & O_NONBLOCK) ? SOCK_NONBLOCK : 0) != 0) {
    int saved = errno;
    real::close(lfd);
    log_line("listen %s: cannot set the listening socket's flags: %s", what, error_name(saved));
    errno = saved;
    return -1;
  }
  // The receiving socket stays bound at the path while the server runs.
  const int hidden = hide(fd);
  if (real::dup3(lfd, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
    int saved = errno;
    real::close(lfd);
    if (hidden >= 0) real::close(hidden);
    log_line("listen %s: cannot install the listening socket on fd %d: %s", what, fd,
             error_name(saved));
    errno = saved;
    return -1;
  }
  close_keeping_errno(lfd);
  forget_endpoint(fd);
  if (hidden >= 0) {
    keep_hidden_receiver(map, hidden);
  } else if (g_config.debug) {
    log_line("%s: cannot keep the receiving socket open (%s); the path is no longer bound", m.path,
             error_name(errno));
  }
  if (backlog >= 0) {
    // The server's backlog, as its own listen() would have set it.
    int saved = errno;
    (void)real::listen(fd, backlog);
    errno = saved;
  }
  if (g_config.debug) {
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    char got[64] = "?";
    if (real::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0)
      format_address(reinterpret_cast<const sockaddr*>(&local), got, sizeof got);
    log_line("fd %d: %s now listens on %s, received at %s", fd, what, got, m.path);
  }
  return 0;
}

}  // namespace socketbox::preload
