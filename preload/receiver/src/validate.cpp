// What may be handed to a server: connected stream sockets of IP or Unix.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "receive_datagram.hpp"
#include "socketbox/receiver.h"

namespace {

bool get_int_option(int fd, int name, int& value) noexcept {
  socklen_t len = sizeof value;
  return ::getsockopt(fd, SOL_SOCKET, name, &value, &len) == 0 && len == sizeof value;
}

// TCP, the socket sbd hands over, is told apart in one system call instead
// of three: only TCP (and MPTCP) sockets, stream sockets of AF_INET or
// AF_INET6, answer TCP_INFO, and its first byte, the state, says whether the
// socket listens. Only that byte is copied out.
bool tcp_state(int fd, unsigned char& state) noexcept {
  tcp_info info{};
  socklen_t len = sizeof info.tcpi_state;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || len < sizeof info.tcpi_state)
    return false;
  state = info.tcpi_state;
  return true;
}

}  // namespace

extern "C" int sb_is_acceptable_socket(int fd) {
  int saved = errno;
  unsigned char state = 0;
  if (tcp_state(fd, state)) {
    errno = saved;
    return state != TCP_LISTEN;
  }
  int type = 0, domain = 0, listening = 0;
  bool ok = get_int_option(fd, SO_TYPE, type) && get_int_option(fd, SO_DOMAIN, domain) &&
            get_int_option(fd, SO_ACCEPTCONN, listening);
  errno = saved;
  if (!ok || type != SOCK_STREAM || listening) return 0;
  return domain == AF_INET || domain == AF_INET6 || domain == AF_UNIX;
}

namespace socketbox::receiver {

bool is_listening_socket(int fd) noexcept {
  int saved = errno;
  int type = 0, domain = 0, protocol = 0, listening = 0;
  bool ok = get_int_option(fd, SO_TYPE, type) && get_int_option(fd, SO_DOMAIN, domain) &&
            get_int_option(fd, SO_PROTOCOL, protocol) &&
            get_int_option(fd, SO_ACCEPTCONN, listening);
  errno = saved;
  return ok && type == SOCK_STREAM && protocol == IPPROTO_TCP && listening == 1 &&
         (domain == AF_INET || domain == AF_INET6);
}

}  // namespace socketbox::receiver

namespace socketbox::receiver {

int apply_received_flags(int fd, int flags) noexcept {
  // A new accept4() socket has no status flag but O_NONBLOCK, so one F_SETFL
  // sets the status exactly, without reading it first.
  if (::fcntl(fd, F_SETFL, (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0) != 0) return -1;
  if (!(flags & SOCK_CLOEXEC) && ::fcntl(fd, F_SETFD, 0) != 0) return -1;
  return 0;
}

}  // namespace socketbox::receiver

extern "C" int sb_apply_accept_flags(int fd, int flags) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return -1;
  // The file status flags belong to the description the sender made (sbd
  // accepts non-blocking), so clear O_NONBLOCK unless it was asked for.
  int want = (flags & SOCK_NONBLOCK) ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  if (want != fl && ::fcntl(fd, F_SETFL, want) != 0) return -1;
  int fdfl = ::fcntl(fd, F_GETFD);
  if (fdfl < 0) return -1;
  int wantfd = (flags & SOCK_CLOEXEC) ? (fdfl | FD_CLOEXEC) : (fdfl & ~FD_CLOEXEC);
  if (wantfd != fdfl && ::fcntl(fd, F_SETFD, wantfd) != 0) return -1;
  return 0;
}
