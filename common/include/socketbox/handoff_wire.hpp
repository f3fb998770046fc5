// The hand-off wire format, shared by sbd (sender), the receiver library's
// sb_send_fd* and tools: one datagram carrying a small payload (the original
// socketbox sends one NUL byte) and exactly ONE descriptor in SCM_RIGHTS,
// sent without blocking. Old receivers close any extra descriptor, so one per
// datagram is the compatible form. libc only; never allocates.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace socketbox {

// Sends fd over sock, to `to` (nullptr on a connected socket). Returns 0, or
// the errno of the failed sendmsg (EAGAIN when the receiver's queue is full).
inline int send_one_fd(int sock, const sockaddr_un* to, socklen_t to_len, int fd,
                       const void* payload, std::size_t payload_len) noexcept {
  iovec iov{const_cast<void*>(payload), payload_len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  std::memset(control, 0, sizeof control);
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_un*>(to);
  msg.msg_namelen = to ? to_len : 0;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace socketbox
