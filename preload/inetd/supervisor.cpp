#include "supervisor.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "socketbox/receiver.hpp"
#include "socketbox/unique_fd.hpp"
#include "spawn.hpp"

namespace socketbox::inetd {
namespace {

int fail(const std::string& what) {
  std::cerr << "sb-inetd: " << what << ": " << std::strerror(errno) << "\n";
  return 1;
}

class SignalFd {
 public:
  SignalFd() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) == 0)
      fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace

int run_supervisor(const Options& opts) {
  // A child that dies while writing to a closed socket must not take us along.
  ::signal(SIGPIPE, SIG_IGN);
  SignalFd signals;
  if (signals.fd() < 0) return fail("signalfd");
  sb_receiver_options ro{};
  ro.nonblock = 1;
  ro.require_uid = opts.require_uid ? 1 : 0;
  ro.uid = opts.uid;
  Receiver receiver(opts.path.c_str(), ro);
  if (!receiver.valid()) return fail("cannot bind " + opts.path);

  std::vector<std::string> command = opts.command;
  std::vector<char*> argv;
  argv.reserve(command.size() + 1);
  for (std::string& a : command) argv.push_back(a.data());
  argv.push_back(nullptr);

  unsigned children = 0;
  unsigned long fork_failures = 0;
  for (;;) {
    bool room = opts.max_children == 0 || children < opts.max_children;
    // Hand out what a multi-fd datagram left queued before sleeping again.
    if (room && receiver.pending() > 0) {
      const UniqueFd conn(receiver.accept(SOCK_CLOEXEC));
      if (conn) {
        if (spawn_for_connection(conn.get(), argv.data()) > 0) {
          ++children;
        } else if (fork_failures++ % 100 == 0) {
          std::cerr << "sb-inetd: fork: " << std::strerror(errno) << " (connection closed)\n";
        }
      }
      continue;
    }
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {receiver.fd(), POLLIN, 0}};
    // At the limit the receiver is not polled: connections wait in its queue
    // (and sbd closes them once that is full).
    int n = ::poll(fds, room ? 2 : 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("poll");
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si;
      while (::read(signals.fd(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) return 0;
      }
      int status;
      while (::waitpid(-1, &status, WNOHANG) > 0)
        if (children > 0) --children;
    }
    if (room && (fds[1].revents & POLLIN)) {
      const UniqueFd conn(receiver.accept(SOCK_CLOEXEC));
      if (!conn) {
        if (errno != EAGAIN && errno != EINTR)
          std::cerr << "sb-inetd: receive: " << std::strerror(errno) << "\n";
        continue;
      }
      if (spawn_for_connection(conn.get(), argv.data()) > 0) {
        ++children;
      } else if (fork_failures++ % 100 == 0) {
        std::cerr << "sb-inetd: fork: " << std::strerror(errno) << " (connection closed)\n";
      }
    }
  }
}

}  // namespace socketbox::inetd
