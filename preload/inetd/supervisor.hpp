// sb-inetd's event loop: receive sockets, start children, reap them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace socketbox::inetd {

struct Options {
  std::string path;
  std::vector<std::string> command;  // PROGRAM ARGS...
  unsigned max_children = 0;         // 0: no limit
  bool require_uid = false;
  uid_t uid = 0;
};

// Runs until SIGTERM/SIGINT (returns 0) or a fatal error (one line on
// stderr, returns 1).
int run_supervisor(const Options& opts);

}  // namespace socketbox::inetd
