// The hand-off: one connected socket per datagram, as SCM_RIGHTS with a
// one-byte NUL payload, sent with MSG_DONTWAIT|MSG_NOSIGNAL. This is the
// original socketbox's wire protocol, so its receivers work unchanged. The
// per-connection path never allocates and never blocks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

// Why a hand-off failed, as counted per target.
// The payload of every hand-off: the original socketbox's one NUL byte.
inline constexpr char kHandoffPayload = '\0';

enum class SendFailure { Missing, Refused, Full, Other };
SendFailure classify_send_error(int err) noexcept;
// Whether jump-unix-any moves on to its next target after this error: the
// receiver is missing, refusing or full (ENOBUFS, counted as other, is also
// a receiver out of room). Anything else fails the connection as jump-unix
// does, since the next target would most likely fail the same way.
bool fails_over(int err) noexcept;

class HandoffSender {
 public:
  // Targets 0..kLinkedTargets-1 of a table get a socket of their own; the
  // rest (and expanded placeholder paths) share the unconnected one.
  static constexpr std::uint32_t kLinkedTargets = 4096;

  // Creates the one unconnected AF_UNIX SOCK_DGRAM socket. Throws SetupError.
  HandoffSender();

  // Sends `fd` to the socket bound at `path` (NUL-terminated, length `len`).
  // Returns 0, or the errno of the failure (ENAMETOOLONG if the path does not
  // fit a sockaddr_un).
  int send_to_path(const char* path, std::size_t len, int fd) const noexcept;

  // The same for the table's target `index` (whose path is `path`), over a
  // datagram socket connected to it once its receiver took a connection. A send to a
  // path resolves it every time (unix_find_other: 7% of sbd's CPU per
  // connection); a connected socket does that once. Until a receiver has
  // taken a connection (and again once it went away) its connections go by
  // name as in send_to_path, so a missing one costs no more than there.
  int send_to_target(std::uint32_t index, const char* path, std::size_t len, int fd) noexcept;
  // The socket linked to target `index`, or -1 while it has none (sbd's
  // io_uring path sends over it; a failure there comes back to
  // send_to_target, which drops a dead link).
  int link(std::uint32_t index) const noexcept {
    return index < kLinkedTargets ? links_[index].get() : -1;
  }
  // A new table: an index may name another path now. Closes every link.
  void forget_targets() noexcept;
  // Targets linked now (each holds one descriptor in sbd).
  std::size_t linked_targets() const noexcept;

  // Sends `fd` over an inherited, connected descriptor (jump-fd).
  static int send_over(int via, int fd) noexcept;

 private:
  UniqueFd sock_;
  std::array<UniqueFd, kLinkedTargets> links_;
};

}  // namespace socketbox::daemon
