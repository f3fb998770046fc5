// systemd's service protocols, spoken directly: readiness notification
// (sd_notify(3): one datagram to $NOTIFY_SOCKET) and socket activation
// (sd_listen_fds(3): $LISTEN_PID, $LISTEN_FDS, descriptors from 3). Both are
// documented as stable interfaces meant to be implemented without
// libsystemd, as OpenSSH and HAProxy now do: it keeps libsystemd and what it
// loads (libgcrypt, liblzma, libzstd, liblz4) out of the daemons, which is
// fewer libraries in a network-facing process and ~1 MB less resident
// memory for sbd (docs/performance.md).
#pragma once

#include <string_view>

namespace socketbox::systemd {

// The first descriptor systemd passes (SD_LISTEN_FDS_START).
constexpr int kListenFdsStart = 3;

// Sends `state` ("READY=1\nSTATUS=...") to the service manager. Returns true
// when sent, false when not started by one ($NOTIFY_SOCKET unset) or the
// send failed (errno set). Never throws, never allocates.
bool notify(std::string_view state) noexcept;

// How many listening sockets systemd passed this process (0 if none, or if
// they were meant for another process), or -errno for a malformed
// environment. Marks them close-on-exec and unsets LISTEN_PID, LISTEN_FDS
// and LISTEN_FDNAMES, as sd_listen_fds(1) does.
int listen_fds() noexcept;

}  // namespace socketbox::systemd
