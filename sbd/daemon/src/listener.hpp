// The listening socket: inherited with -s FD, from systemd socket activation
// (LISTEN_FDS/LISTEN_PID), or created and bound from the options. Always
// returned non-blocking and close-on-exec.
#pragma once

#include <string>

#include "options.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

struct Listener {
  UniqueFd fd;
  std::string origin;  // "bound", "inherited fd N", "systemd"
};

// Throws SetupError.
Listener open_listener(const Options& o);

// "[addr]:port" of a bound socket, IPv4-mapped addresses as ::ffff:a.b.c.d.
std::string describe_local(int fd);

}  // namespace socketbox::daemon
