// SIGHUP (reload), SIGTERM and SIGINT (stop) arrive through a signalfd in
// the event loop; SIGPIPE is ignored.
#pragma once

#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

// Blocks the signals and returns a non-blocking signalfd for them. Throws.
UniqueFd open_signalfd();

}  // namespace socketbox::daemon
