#include "seccomp_filter.hpp"

#include <seccomp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <vector>

#include "setup_error.hpp"

namespace socketbox::daemon {

void install_seccomp_filter(const SeccompExtras& extras) {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)),
                                                       seccomp_release);
  if (!ctx) throw SetupError("cannot set up seccomp");
  static const char* const allowed[] = {
      // the loop and the per-connection path
      "epoll_wait",
      "epoll_pwait",
      "epoll_ctl",
      "accept4",
      "accept",
      "getsockname",
      "getpeername",
      "setsockopt",
      "getsockopt",
      "sendmsg",         // hand-offs
      "io_uring_enter",  // the io_uring loop (its ring is restricted to what sbd uses)
      "sendto",          // the connection log's journal entries and stderr lines
      "close",
      "read",
      "write",
      "writev",
      "timerfd_settime",
      "timerfd_create",
      "clock_gettime",
      "clock_nanosleep",
      "gettimeofday",
      "shutdown",
      "recvfrom",
      "recvmsg",
      // reloads: reading the table, memory
      "openat",
      "open",
      "fstat",
      "newfstatat",
      "statx",
      // sbd's listener mode: stat() of each listener line's path every 250 ms
      "stat",
      "lstat",
      "lseek",
      "brk",
      "mmap",
      "munmap",
      "mremap",
      "madvise",
      "mprotect",
      "futex",
      "getrandom",
      // sd_notify, status, exit; connect also for the journal after a restart
      // and for the hand-off sockets linked to targets
      "connect",
      "getpid",
      "gettid",
      "getuid",
      "geteuid",
      "unlink",
      "rt_sigprocmask",
      "rt_sigreturn",
      "exit",
      "exit_group",
      "restart_syscall",
      "tgkill",
      "rt_sigaction",
      "sched_yield",
      "fcntl",
#ifdef __SANITIZE_ADDRESS__
      // what AddressSanitizer and LeakSanitizer use at run time and at exit
      "sigaltstack",
      "readlink",
      "readlinkat",
      "getrusage",
      "sched_getaffinity",
      "pipe2",
      "wait4",
      "clone",
      "clone3",
      "ioctl",
      "dup",
      "dup2",
      "dup3",
      "pread64",
      "prctl",
      "ptrace",
      "getppid",
      "kill",
#endif
  };
  std::vector<const char*> names(std::begin(allowed), std::end(allowed));
  names.insert(names.end(), extras.syscalls.begin(), extras.syscalls.end());
  for (const char* name : names) {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (const int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0); rc < 0)
      throw SetupError(std::string("cannot allow ") + name + " in seccomp: " + std::strerror(-rc));
  }
  // socket() only for AF_UNIX (sd_notify, hand-off links): a compromised
  // sbd must not open raw, packet, netlink or fresh TCP sockets, whatever
  // privileges it might still have.
  std::vector<int> families{AF_UNIX};
  families.insert(families.end(), extras.socket_families.begin(), extras.socket_families.end());
  for (const int family : families) {
    // What SCMP_A0(SCMP_CMP_EQ, family) makes, without the macro's C99
    // compound literal (a pedantic warning in C++).
    scmp_arg_cmp first_arg{};
    first_arg.arg = 0;
    first_arg.op = SCMP_CMP_EQ;
    first_arg.datum_a = static_cast<scmp_datum_t>(family);
    if (const int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, first_arg);
        rc < 0)
      throw SetupError(std::string("cannot allow socket in seccomp: ") + std::strerror(-rc));
  }
  if (const int rc = seccomp_load(ctx.get()); rc < 0)
    throw SetupError(std::string("cannot load the seccomp filter: ") + std::strerror(-rc));
}

}  // namespace socketbox::daemon
