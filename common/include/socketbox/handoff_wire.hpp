// The hand-off wire format, shared by sbd (sender), the receiver library's
// sb_send_fd* and tools: one datagram carrying a small payload (the original
// socketbox sends one NUL byte) and exactly ONE descriptor in SCM_RIGHTS,
// sent without blocking. Old receivers close any extra descriptor, so one per
// datagram is the compatible form. libc only; never allocates.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace socketbox {

// The flags every hand-off is sent with: never block, never SIGPIPE.
inline constexpr int kOneFdSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

// One hand-off datagram, built in place: sbd's io_uring path keeps one per
// queued send (the kernel reads it when the send runs), send_one_fd one on
// its stack. It points into itself, so it is neither copied nor moved.
struct OneFdMessage {
  iovec iov{};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
  msghdr msg{};

  OneFdMessage() = default;
  OneFdMessage(const OneFdMessage&) = delete;
  OneFdMessage& operator=(const OneFdMessage&) = delete;

  // `to` is nullptr on a connected socket; `payload` must outlive the send.
  void fill(const sockaddr_un* to, socklen_t to_len, int fd, const void* payload,
            std::size_t payload_len) noexcept {
    iov = iovec{const_cast<void*>(payload), payload_len};
    std::memset(control, 0, sizeof control);
    msg = msghdr{};
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
  }
};

// Sends fd over sock, to `to` (nullptr on a connected socket). Returns 0, or
// the errno of the failed sendmsg (EAGAIN when the receiver's queue is full).
inline int send_one_fd(int sock, const sockaddr_un* to, socklen_t to_len, int fd,
                       const void* payload, std::size_t payload_len) noexcept {
  OneFdMessage m;
  m.fill(to, to_len, fd, payload, payload_len);
  for (;;) {
    if (::sendmsg(sock, &m.msg, kOneFdSendFlags) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace socketbox
