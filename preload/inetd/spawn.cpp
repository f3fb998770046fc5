#include "spawn.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace socketbox::inetd {

pid_t spawn_for_connection(int conn, char* const* argv) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;

  // Child: only async-signal-safe calls until exec.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
  ::setsid();
  if (::dup2(conn, STDIN_FILENO) < 0 || ::dup2(conn, STDOUT_FILENO) < 0) ::_exit(126);
  if (conn > STDOUT_FILENO) ::close(conn);
  ::execvp(argv[0], argv);
  int err = errno;
  char msg[512];
  int n = std::snprintf(msg, sizeof msg, "sb-inetd: cannot run '%s': %s\n", argv[0],
                        ::strerrordesc_np(err));
  if (n > 0) {
    ssize_t ignored =
        ::write(STDERR_FILENO, msg, static_cast<size_t>(n) < sizeof msg ? n : sizeof msg - 1);
    (void)ignored;
  }
  ::_exit(err == ENOENT ? 127 : 126);
}

}  // namespace socketbox::inetd
