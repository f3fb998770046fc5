#include "handoff_receiver.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace socketbox::relay {

HandoffReceiver::HandoffReceiver() noexcept {
  for (unsigned i = 0; i < kBatch; ++i) iov_[i] = {payload_[i].data(), payload_[i].size()};
}

int HandoffReceiver::receive(int fd, const std::optional<uid_t>& sender_uid) noexcept {
  count_ = 0;
  for (unsigned i = 0; i < kBatch; ++i) {
    msghdr& m = msgs_[i].msg_hdr;
    m = msghdr{};
    m.msg_iov = &iov_[i];
    m.msg_iovlen = 1;
    m.msg_control = control_[i].bytes;
    m.msg_controllen = kControl;
    msgs_[i].msg_len = 0;
  }
  const int n = recvmmsg(fd, msgs_.data(), kBatch, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, nullptr);
  if (n <= 0) return n;
  const int saved = errno;
  for (int i = 0; i < n; ++i) take(msgs_[i].msg_hdr, sender_uid);
  errno = saved;
  return n;
}

void HandoffReceiver::take(msghdr& msg, const std::optional<uid_t>& sender_uid) noexcept {
  int got[kControl / sizeof(int)];
  std::size_t n = 0;
  ucred creds{};
  bool have_creds = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    const std::size_t data = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_type == SCM_RIGHTS) {
      for (std::size_t i = 0; i < data / sizeof(int) && n < std::size(got); ++i)
        std::memcpy(&got[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    } else if (c->cmsg_type == SCM_CREDENTIALS && data >= sizeof creds) {
      std::memcpy(&creds, CMSG_DATA(c), sizeof creds);
      have_creds = true;
    }
  }
  // Part of the datagram lost, or a sender not allowed: all of it closed.
  bool reject = (msg.msg_flags & MSG_CTRUNC) || n > SB_RECV_MAX_FDS;
  if (sender_uid && !(have_creds && creds.uid == *sender_uid)) reject = true;
  for (std::size_t i = 0; i < n; ++i) {
    // F_SETFL without F_GETFL first: of the flags it sets, only O_NONBLOCK
    // means anything on a relayed socket (O_ASYNC would only send signals).
    if (!reject && count_ < kMaxFds && sb_is_acceptable_socket(got[i]) &&
        fcntl(got[i], F_SETFL, O_NONBLOCK) == 0)
      fds_[count_++] = got[i];
    else
      close(got[i]);
  }
}

}  // namespace socketbox::relay
