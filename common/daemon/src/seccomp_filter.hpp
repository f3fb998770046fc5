// --seccomp: once serving, a daemon is confined to the system calls its loop,
// reloads, the control socket and sd_notify use. Anything else fails with
// EPERM (rather than killing sbd, so a missed call in a rare path is an
// error line, not an outage).
#pragma once

#include <vector>

namespace socketbox::daemon {

// What a daemon needs beyond sbd's list: more system calls, and socket()
// for more address families than AF_UNIX.
struct SeccompExtras {
  std::vector<const char*> syscalls;
  std::vector<int> socket_families;
};

// Throws SetupError.
void install_seccomp_filter(const SeccompExtras& extras = {});

}  // namespace socketbox::daemon
