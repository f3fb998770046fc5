// The listening socket: inherited with -s FD, from systemd socket activation
// (LISTEN_FDS/LISTEN_PID), or created and bound from the options. Always
// returned non-blocking and close-on-exec. Of systemd's descriptors, those
// named "listener-*" (LISTEN_FDNAMES) are sockets sbd kept in its fd store
// for listener hand-off mode, not sbd's own: they are returned apart.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

struct Listener {
  UniqueFd fd;
  std::string origin;  // "bound", "inherited fd N", "systemd"
  // Sockets systemd gave back from sbd's fd store, named "listener-PORT":
  // listening sockets sbd held before a restart (ListenerHolder::adopt).
  struct Stored {
    UniqueFd fd;
    std::string name;
  };
  std::vector<Stored> stored;
};

// Throws SetupError.
Listener open_listener(const Options& o);

// "[addr]:port" of a bound socket, IPv4-mapped addresses as ::ffff:a.b.c.d.
std::string describe_local(int fd);

}  // namespace socketbox::daemon
