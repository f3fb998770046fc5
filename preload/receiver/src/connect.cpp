// sb_connect: the outbound half. A client reaches a receiver without any
// network: a socketpair, one end sent to the receiver in sbd's wire format
// (so any receiver takes it as a new connection), the other end returned.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "connection_name.hpp"
#include "socketbox/handoff_wire.hpp"
#include "socketbox/receiver.h"
#include "socketbox/unique_fd.hpp"
#include "unix_path.hpp"

namespace socketbox::receiver {
namespace {

// Linux gives up on an unanswered SYN after about 127 s (tcp_syn_retries 6):
// a blocking connect to a receiver whose queue stays full does the same.
constexpr int kFullQueueWaitMs = 127 * 1000;

bool valid_inet(const sockaddr* a, socklen_t len) noexcept {
  if (a == nullptr || len < sizeof(sa_family_t)) return false;
  if (a->sa_family == AF_INET6) return len >= sizeof(sockaddr_in6);
  if (a->sa_family == AF_INET) return len >= sizeof(sockaddr_in);
  return false;
}

bool unspecified(const sockaddr_storage& a) noexcept {
  if (a.ss_family == AF_INET6)
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr);
  return reinterpret_cast<const sockaddr_in*>(&a)->sin_addr.s_addr == htonl(INADDR_ANY);
}

in_port_t& port_of(sockaddr_storage& a) noexcept {
  return a.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port
                                 : reinterpret_cast<sockaddr_in*>(&a)->sin_port;
}

// The client's own address: what it bound, with loopback for a wildcard and
// an ephemeral port (Linux's default range) for port 0.
void client_address(const sockaddr* dest, const sockaddr* local, socklen_t local_len,
                    sockaddr_storage& out) noexcept {
  out = sockaddr_storage{};
  if (local != nullptr && valid_inet(local, local_len) && local->sa_family == dest->sa_family)
    std::memcpy(&out, local,
                local->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
  out.ss_family = dest->sa_family;
  if (unspecified(out)) {
    auto* d6 = reinterpret_cast<const sockaddr_in6*>(dest);
    if (out.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&d6->sin6_addr)) {
      auto* o6 = reinterpret_cast<sockaddr_in6*>(&out);
      o6->sin6_addr.s6_addr[10] = o6->sin6_addr.s6_addr[11] = 0xff;
      o6->sin6_addr.s6_addr[12] = 127;
      o6->sin6_addr.s6_addr[15] = 1;
    } else if (out.ss_family == AF_INET6)
      reinterpret_cast<sockaddr_in6*>(&out)->sin6_addr = in6addr_loopback;
    else
      reinterpret_cast<sockaddr_in*>(&out)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  if (port_of(out) == 0) {
    unsigned short r = 0;
    int saved = errno;
    if (::getrandom(&r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r)) {
      timespec ts{};
      ::clock_gettime(CLOCK_MONOTONIC, &ts);
      r = static_cast<unsigned short>(ts.tv_nsec);
    }
    errno = saved;
    port_of(out) = htons(static_cast<uint16_t>(32768 + r % (60999 - 32768 + 1)));
  }
}

// Binds sock to the connection name of addr; a new nonce on a collision.
int bind_name(int sock, const sockaddr* addr) noexcept {
  for (int attempt = 0; attempt < 8; ++attempt) {
    sockaddr_un name;
    socklen_t len = make_connection_name(addr, name);
    if (len == 0) return -1;
    if (::bind(sock, reinterpret_cast<const sockaddr*>(&name), len) == 0) return 0;
    if (errno != EADDRINUSE) return -1;
  }
  errno = EADDRNOTAVAIL;
  return -1;
}

long long now_ms() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Sends conn over dgram (connected to the receiver). A full receiver queue
// is waited out by a blocking caller, refused to a non-blocking one.
int hand_over(int dgram, int conn, bool nonblock) noexcept {
  const char byte = 0;
  long long deadline = now_ms() + kFullQueueWaitMs;
  for (;;) {
    int err = socketbox::send_one_fd(dgram, nullptr, 0, conn, &byte, 1);
    if (err == 0) return 0;
    if (err != EAGAIN) {
      // The receiver went away between connect and send.
      errno = (err == ENOENT || err == ECONNREFUSED || err == ENOTCONN) ? ECONNREFUSED : err;
      return -1;
    }
    long long left = deadline - now_ms();
    if (nonblock) {
      errno = ECONNREFUSED;
      return -1;
    }
    if (left <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    pollfd p{dgram, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left)) < 0) return -1;  // EINTR, as connect()
  }
}

}  // namespace
}  // namespace socketbox::receiver

extern "C" int sb_connect_from(const char* path, const struct sockaddr* dest, socklen_t dest_len,
                               const struct sockaddr* local, socklen_t local_len, int flags) {
  using namespace socketbox::receiver;
  using socketbox::UniqueFd;
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
    errno = EINVAL;
    return -1;
  }
  if (!valid_inet(dest, dest_len)) {
    errno = (dest != nullptr && dest_len >= sizeof(sa_family_t) && dest->sa_family != AF_INET &&
             dest->sa_family != AF_INET6)
                ? EAFNOSUPPORT
                : EINVAL;
    return -1;
  }
  sockaddr_un to;
  socklen_t to_len = make_unix_address(path, to);
  if (to_len == 0) return -1;
  sockaddr_storage self;
  client_address(dest, local, local_len, self);

  // Connected first: a missing or dead receiver is refused, as a closed port.
  UniqueFd dgram(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!dgram) return -1;
  if (::connect(dgram.get(), reinterpret_cast<const sockaddr*>(&to), to_len) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR) errno = ECONNREFUSED;
    return -1;
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return -1;
  UniqueFd mine(pair[0]), theirs(pair[1]);
  // The server's end as sbd's connections are: IPv6, v4-mapped for IPv4.
  sockaddr_storage dialled{};
  socklen_t dialled_len = dest->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::memcpy(&dialled, dest, dialled_len);
  to_v6(dialled, dialled_len);
  if (bind_name(theirs.get(), reinterpret_cast<const sockaddr*>(&dialled)) != 0 ||
      bind_name(mine.get(), reinterpret_cast<const sockaddr*>(&self)) != 0)
    return -1;
  if (hand_over(dgram.get(), theirs.get(), (flags & SOCK_NONBLOCK) != 0) != 0) return -1;
  if (sb_apply_accept_flags(mine.get(), flags) != 0) return -1;
  return mine.release();
}

extern "C" int sb_connect(const char* path, const struct sockaddr* dest, socklen_t dest_len,
                          int flags) {
  return sb_connect_from(path, dest, dest_len, nullptr, 0, flags);
}

extern "C" int sb_connection_address(int fd, int peer, struct sockaddr* addr, socklen_t* len) {
  using namespace socketbox::receiver;
  if (addr == nullptr || len == nullptr) {
    errno = EINVAL;
    return -1;
  }
  sockaddr_storage inet;
  socklen_t inet_len = 0;
  if (!connection_address(fd, peer != 0, inet, inet_len)) {
    // Say why: not a socket, not connected, or just not one of ours.
    sockaddr_storage raw{};
    socklen_t raw_len = sizeof raw;
    if (::syscall(peer ? SYS_getpeername : SYS_getsockname, fd, &raw, &raw_len) == 0)
      errno = EINVAL;
    return -1;
  }
  std::memcpy(addr, &inet, *len < inet_len ? *len : inet_len);
  *len = inet_len;
  return 0;
}
