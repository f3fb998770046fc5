#include "signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>

#include "setup_error.hpp"

namespace socketbox::daemon {

UniqueFd open_signalfd() {
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0) throw SetupError(errno_text("sigprocmask", errno));
  UniqueFd fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) throw SetupError(errno_text("signalfd", errno));
  return fd;
}

}  // namespace socketbox::daemon
