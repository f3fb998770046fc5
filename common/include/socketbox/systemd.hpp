// systemd's service protocols, spoken directly: readiness notification
// (sd_notify(3): one datagram to $NOTIFY_SOCKET) and socket activation
// (sd_listen_fds(3): $LISTEN_PID, $LISTEN_FDS, descriptors from 3). Both are
// documented as stable interfaces meant to be implemented without
// libsystemd, as OpenSSH and HAProxy now do: it keeps libsystemd and what it
// loads (libgcrypt, liblzma, libzstd, liblz4) out of the daemons, which is
// fewer libraries in a network-facing process and ~1 MB less resident
// memory for sbd (docs/performance.md).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "socketbox/unique_fd.hpp"

namespace socketbox::systemd {

// The first descriptor systemd passes (SD_LISTEN_FDS_START).
constexpr int kListenFdsStart = 3;

// Sends `state` ("READY=1\nSTATUS=...") to the service manager. Returns true
// when sent, false when not started by one ($NOTIFY_SOCKET unset) or the
// send failed (errno set). Never throws, never allocates.
bool notify(std::string_view state) noexcept;

// The same with descriptors attached (SCM_RIGHTS), as sd_pid_notify_with_fds
// sends them: "FDSTORE=1\nFDNAME=NAME" keeps `fds` in the service's fd store,
// so that a restarted service gets them back in LISTEN_FDS named NAME.
bool notify_with_fds(std::string_view state, const int* fds, std::size_t n_fds) noexcept;

// How many listening sockets systemd passed this process (0 if none, or if
// they were meant for another process), or -errno for a malformed
// environment. Marks them close-on-exec and unsets LISTEN_PID, LISTEN_FDS
// and LISTEN_FDNAMES, as sd_listen_fds(1) does.
int listen_fds() noexcept;

// The same, with each descriptor's name from LISTEN_FDNAMES (names[i] is fd
// kListenFdsStart + i): the socket unit's FileDescriptorName= (by default
// the unit's name) or the FDNAME= a descriptor was stored with. Where
// systemd gave no names, or not one per descriptor, each is "unknown", as
// sd_listen_fds_with_names(3) says.
int listen_fds(std::vector<std::string>& names);

// The journal's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL, stable):
// one datagram per entry, made of "FIELD=value\n" lines, sent to the
// journal's socket.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Whether stderr is connected to the journal: $JOURNAL_STREAM ("DEV:INODE")
// names the stream systemd gave the service, and it is still fd 2 (not
// redirected since), the check sd_journal_stream_fd(3) documents.
bool stderr_is_journal() noexcept;

// Builds one entry in a caller's buffer (the log path formats on the stack).
// A value holding a newline is sent in the protocol's length-prefixed form.
class JournalEntry {
 public:
  JournalEntry(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
  // Appends FIELD=value (FIELD: uppercase letters, digits, '_').
  void add(std::string_view field, std::string_view value) noexcept;
  // False once an add() did not fit: the entry is then incomplete.
  bool ok() const noexcept { return ok_; }
  std::string_view data() const noexcept { return {buf_, len_}; }

 private:
  void put(const void* p, std::size_t n) noexcept;
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool ok_ = true;
};

// The datagram socket to the journal, opened and connected at start (before
// chroot and seccomp) and nonblocking, so a journal that lags behind costs
// a dropped entry, never a blocked caller.
class JournalSocket {
 public:
  JournalSocket() noexcept = default;  // closed
  // Opens and connects to `path`; is_open() says whether that worked (errno
  // then says why not).
  explicit JournalSocket(const char* path) noexcept;
  bool is_open() const noexcept { return static_cast<bool>(fd_); }
  // Sends one entry. Returns 0, or the errno (EAGAIN: the journal is behind).
  // After journald restarted (ECONNREFUSED) it connects again and retries
  // once; that does not block either, and fails where the path is gone
  // (after a chroot), which drops the entry.
  int send(std::string_view entry) noexcept;

 private:
  UniqueFd fd_;
  sockaddr_un addr_{};
  socklen_t addr_len_ = 0;
};

}  // namespace socketbox::systemd
