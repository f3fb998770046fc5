// Receives the sockets sbd hands over, several datagrams per recvmmsg(2)
// instead of one recvmsg(2) per connection, with the per-socket work of
// sb_receiver_accept() made cheaper: close-on-exec comes with
// MSG_CMSG_CLOEXEC, O_NONBLOCK is set with one fcntl(F_SETFL) (no F_GETFL
// and F_GETFD first). The checks stay those of sb_recv_fds(): the sender's
// uid if asked for, and sb_is_acceptable_socket() for every socket.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <optional>

#include "socketbox/receiver.h"

namespace socketbox::relay {

class HandoffReceiver {
 public:
  static constexpr unsigned kBatch = 16;  // datagrams per recvmmsg
  static constexpr std::size_t kMaxFds = kBatch * SB_RECV_MAX_FDS;

  HandoffReceiver() noexcept;
  HandoffReceiver(const HandoffReceiver&) = delete;
  HandoffReceiver& operator=(const HandoffReceiver&) = delete;

  // Reads up to kBatch datagrams from the non-blocking socket `fd`. Stores
  // the accepted sockets (close-on-exec, non-blocking; the caller owns them)
  // in fds() and returns how many datagrams were read: fewer than kBatch
  // means none is left. Everything else that arrived is closed. -1 with
  // errno (EAGAIN: nothing pending).
  int receive(int fd, const std::optional<uid_t>& sender_uid) noexcept;
  const int* fds() const noexcept { return fds_.data(); }
  std::size_t count() const noexcept { return count_; }

 private:
  static constexpr std::size_t kControl =
      CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * SB_RECV_MAX_FDS);
  struct alignas(cmsghdr) Control {
    char bytes[kControl];
  };
  void take(msghdr& msg, const std::optional<uid_t>& sender_uid) noexcept;

  std::array<mmsghdr, kBatch> msgs_{};
  std::array<iovec, kBatch> iov_{};
  std::array<std::array<char, 72>, kBatch> payload_{};
  std::array<Control, kBatch> control_{};
  std::array<int, kMaxFds> fds_{};
  std::size_t count_ = 0;
};

}  // namespace socketbox::relay
