// NetnsScope: run the calling thread inside /run/netns/NAME for a while.
// Sockets keep the namespace they were opened in, so every netlink socket
// netcfg uses is opened inside the scope, after setns().
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "error.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::netcfg {

NetnsScope::NetnsScope(const std::string& name) {
  if (name.empty()) return;
  if (name.find('/') != std::string::npos || name == "." || name == "..")
    throw_error("invalid network namespace name '" + name + "'");
  const std::string path = "/run/netns/" + name;
  const UniqueFd target(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target) {
    const int err = errno;
    if (err == ENOENT)
      throw_error("network namespace '" + name + "' does not exist (no " + path + ")");
    throw_errno("opening network namespace '" + name + "' (" + path + ")", err);
  }
  UniqueFd original(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original) {
    const int err = errno;
    throw_errno("opening the current network namespace", err);
  }
  if (setns(target.get(), CLONE_NEWNET) < 0) {
    const int err = errno;
    throw_errno("entering network namespace '" + name + "'", err);
  }
  original_fd_ = std::move(original);
}

NetnsScope::~NetnsScope() {
  if (!original_fd_) return;
  // Cannot fail for a namespace we were in a moment ago; nothing to report to.
  (void)setns(original_fd_.get(), CLONE_NEWNET);
}

}  // namespace socketbox::netcfg
