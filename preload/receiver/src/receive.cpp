// sb_recv_fds: one datagram in, validated stream sockets out; everything
// else that arrived is closed so nothing leaks into the server.
// sb_recv_listener: the same receive, waited for (bounded) until a datagram
// brings a listening TCP socket.
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "receive_datagram.hpp"
#include "socketbox/receiver.h"

namespace {

using socketbox::receiver::kControlSize;
constexpr size_t kMaxCarried = kControlSize / sizeof(int);

void close_all(const int* fds, size_t n) noexcept {
  int saved = errno;
  for (size_t i = 0; i < n; ++i) ::close(fds[i]);
  errno = saved;
}

bool sender_allowed(const sb_recv_filter* filter, bool have_creds, const ucred& creds,
                    const char* payload, size_t payload_len) noexcept {
  if (filter == nullptr || !filter->check_uid) return true;
  if (have_creds && creds.uid == filter->uid) return true;
  return filter->token_len > 0 && payload_len == filter->token_len &&
         std::memcmp(payload, filter->token, payload_len) == 0;
}

std::int64_t now_ms() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

extern "C" int sb_recv_fds(int fd, int* fds, int max, const sb_recv_filter* filter,
                           sb_recv_stats* stats) {
  return socketbox::receiver::recv_datagram(fd, fds, max, filter, stats, 0,
                                            socketbox::receiver::Want::connection);
}

extern "C" int sb_recv_listener(int fd, int timeout_ms, int flags) {
  return socketbox::receiver::recv_listener(fd, timeout_ms, flags, nullptr);
}

namespace socketbox::receiver {

int recv_datagram(int fd, int* fds, int max, const sb_recv_filter* filter, sb_recv_stats* stats,
                  int recv_flags, Want want) noexcept {
  if (fds == nullptr || max < 1 || max > SB_RECV_MAX_FDS) {
    errno = EINVAL;
    return -1;
  }
  Datagram d;
  msghdr msg = d.header(max);
  const ssize_t got_bytes = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | recv_flags);
  if (got_bytes < 0) return -1;
  return take_datagram(msg, static_cast<size_t>(got_bytes), fds, max, filter, stats, want);
}

int recv_listener(int fd, int timeout_ms, int flags, const sb_recv_filter* filter) noexcept {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
    errno = EINVAL;
    return -1;
  }
  const std::int64_t deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
  for (;;) {
    int wait = -1;
    if (timeout_ms >= 0) {
      const std::int64_t left = deadline - now_ms();
      wait = left > 0 ? static_cast<int>(left) : 0;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, wait);
    if (ready < 0) return -1;  // EINTR too: the caller decides whether to wait on
    if (ready == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    // Not blocking even on a blocking socket: another thread may have taken
    // the datagram since poll. A bad fd (POLLNVAL) fails here with EBADF.
    int got[SB_RECV_MAX_FDS];
    const int n =
        recv_datagram(fd, got, SB_RECV_MAX_FDS, filter, nullptr, MSG_DONTWAIT, Want::listener);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return -1;
    }
    if (n == 0) continue;  // only connections or rejected senders: closed, wait on
    close_all(got + 1, static_cast<size_t>(n - 1));
    if (sb_apply_accept_flags(got[0], flags) != 0) {
      close_all(got, 1);
      return -1;
    }
    return got[0];
  }
}

msghdr Datagram::header(int max) noexcept {
  iov = {payload, sizeof payload};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen =
      CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * static_cast<size_t>(max));
  return msg;
}

int take_datagram(const msghdr& msg, size_t got_bytes, int* fds, int max,
                  const sb_recv_filter* filter, sb_recv_stats* stats, Want want,
                  int* listener) noexcept {
  sb_recv_stats ignored{};
  if (stats == nullptr) stats = &ignored;
  const int saved = errno;
  const size_t payload_len = (msg.msg_flags & MSG_TRUNC) ? 0 : got_bytes;
  const char* payload = static_cast<const char*>(msg.msg_iov[0].iov_base);

  // Gather every fd of every SCM_RIGHTS message, and the credentials.
  int got[kMaxCarried];
  size_t n = 0;
  ucred creds{};
  bool have_creds = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    size_t data = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = data / sizeof(int);
      for (size_t i = 0; i < count && n < kMaxCarried; ++i)
        std::memcpy(&got[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    } else if (c->cmsg_type == SCM_CREDENTIALS && data >= sizeof creds) {
      std::memcpy(&creds, CMSG_DATA(c), sizeof creds);
      have_creds = true;
    }
  }

  // Part of the datagram was lost: what did arrive is closed, not guessed at.
  if ((msg.msg_flags & MSG_CTRUNC) || n > static_cast<size_t>(max)) {
    close_all(got, n);
    ++stats->truncated;
    return 0;
  }
  if (!sender_allowed(filter, have_creds, creds, payload, payload_len)) {
    close_all(got, n);
    stats->rejected_sender += n;
    return 0;
  }
  int out = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool wanted =
        want == Want::listener ? is_listening_socket(got[i]) : sb_is_acceptable_socket(got[i]) != 0;
    if (wanted) {
      fds[out++] = got[i];
      ++stats->received;
    } else if (listener != nullptr && want == Want::connection && is_listening_socket(got[i])) {
      if (*listener >= 0) close_all(listener, 1);
      *listener = got[i];
    } else {
      close_all(&got[i], 1);
      ++stats->rejected_type;
    }
  }
  errno = saved;
  return out;
}

}  // namespace socketbox::receiver
