// sb_recv_fds: one datagram in, validated stream sockets out; everything
// else that arrived is closed so nothing leaks into the server.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

extern "C" int sb_recv_fds(int fd, int* fds, int max, const sb_recv_filter* filter,
                           sb_recv_stats* stats) {
  if (fds == nullptr || max < 1 || max > SB_RECV_MAX_FDS) {
    errno = EINVAL;
    return -1;
  }
  socketbox::receiver::Datagram d;
  msghdr msg = d.header(max);
  const ssize_t got_bytes = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  if (got_bytes < 0) return -1;
  return socketbox::receiver::take_datagram(msg, static_cast<size_t>(got_bytes), fds, max, filter,
                                            stats);
}

namespace socketbox::receiver {

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
                  const sb_recv_filter* filter, sb_recv_stats* stats) noexcept {
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
    if (sb_is_acceptable_socket(got[i])) {
      fds[out++] = got[i];
      ++stats->received;
    } else {
      close_all(&got[i], 1);
      ++stats->rejected_type;
    }
  }
  errno = saved;
  return out;
}

}  // namespace socketbox::receiver
