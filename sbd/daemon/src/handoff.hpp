// The hand-off: one connected socket per datagram, as SCM_RIGHTS with a
// one-byte NUL payload, sent with MSG_DONTWAIT|MSG_NOSIGNAL. This is the
// original socketbox's wire protocol, so its receivers work unchanged. The
// per-connection path never allocates and never blocks.
#pragma once

#include <cstddef>

#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

// Why a hand-off failed, as counted per target.
enum class SendFailure { Missing, Refused, Full, Other };
SendFailure classify_send_error(int err) noexcept;
// Whether jump-unix-any moves on to its next target after this error: the
// receiver is missing, refusing or full (ENOBUFS, counted as other, is also
// a receiver out of room). Anything else fails the connection as jump-unix
// does, since the next target would most likely fail the same way.
bool fails_over(int err) noexcept;

class HandoffSender {
 public:
  // Creates the one unconnected AF_UNIX SOCK_DGRAM socket. Throws SetupError.
  HandoffSender();

  // Sends `fd` to the socket bound at `path` (NUL-terminated, length `len`).
  // Returns 0, or the errno of the failure (ENAMETOOLONG if the path does not
  // fit a sockaddr_un).
  int send_to_path(const char* path, std::size_t len, int fd) const noexcept;

  // Sends `fd` over an inherited, connected descriptor (jump-fd).
  static int send_over(int via, int fd) noexcept;

 private:
  UniqueFd sock_;
};

}  // namespace socketbox::daemon
