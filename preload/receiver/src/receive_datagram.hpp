// One received hand-off datagram, shared by sb_recv_fds (one recvmsg) and
// sb_receiver (several per recvmmsg): the buffers it arrives in, and the
// checks that turn it into accepted sockets. Internal to the library.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>

#include "socketbox/receiver.h"

namespace socketbox::receiver {

inline constexpr size_t kControlSize =
    CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * SB_RECV_MAX_FDS);

struct Datagram {
  char payload[72];
  iovec iov;
  alignas(cmsghdr) char control[kControlSize];
  // A header that receives into this datagram's buffers, with room for the
  // credentials and `max` (1..SB_RECV_MAX_FDS) descriptors.
  msghdr header(int max) noexcept;
};

// What a receiver takes from a datagram: connections (sb_is_acceptable_socket)
// or listening TCP sockets (is_listening_socket).
enum class Want { connection, listener };

// 1 if fd is a listening SOCK_STREAM socket of AF_INET or AF_INET6.
bool is_listening_socket(int fd) noexcept;

// accept4()'s flags (SOCK_NONBLOCK, SOCK_CLOEXEC) on a socket this library
// received: it arrives close-on-exec (MSG_CMSG_CLOEXEC), so this costs one
// or two fcntl(2) where sb_apply_accept_flags, which knows nothing of the
// descriptor, reads both flags first. Returns 0 or -1 with errno.
int apply_received_flags(int fd, int flags) noexcept;

// Validates one received datagram (got_bytes of payload): every descriptor
// it carried goes to fds[0..max) (close-on-exec as received) or is closed,
// as sb_recv_fds documents (for Want::listener: as sb_recv_listener does).
// Returns how many were accepted. stats may be NULL. Preserves errno.
// `listener` (Want::connection only; may be NULL): a listening TCP socket is
// kept there instead of closed, closing the one kept before.
int take_datagram(const msghdr& msg, size_t got_bytes, int* fds, int max,
                  const sb_recv_filter* filter, sb_recv_stats* stats, Want want = Want::connection,
                  int* listener = nullptr) noexcept;

// One recvmsg(2) (flags added to MSG_CMSG_CLOEXEC) on receiving socket fd,
// then take_datagram: the body of sb_recv_fds.
int recv_datagram(int fd, int* fds, int max, const sb_recv_filter* filter, sb_recv_stats* stats,
                  int recv_flags, Want want) noexcept;

// sb_recv_listener with a sender filter (NULL: anyone), as the preload needs
// for --require-uid.
int recv_listener(int fd, int timeout_ms, int flags, const sb_recv_filter* filter) noexcept;

}  // namespace socketbox::receiver
