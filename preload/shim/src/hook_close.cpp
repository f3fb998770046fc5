// Every way an fd number stops being an endpoint: close, dup2/dup3 onto it,
// close_range, closefrom. Queued connections of the endpoint are closed.
// The socket file stays: other processes (nginx workers, a forked parent)
// may still receive on it, and the next bind replaces a stale one.
#include <linux/close_range.h>
#include <unistd.h>

#include <climits>

#include "endpoints.hpp"
#include "export.hpp"
#include "real.hpp"

using namespace socketbox::preload;

SB_HOOK int close(int fd) {
  forget_endpoint(fd);
  return real::close(fd);
}

SB_HOOK int dup2(int oldfd, int newfd) {
  int rc = real::dup2(oldfd, newfd);
  if (rc >= 0 && oldfd != newfd) forget_endpoint(newfd);
  return rc;
}

SB_HOOK int dup3(int oldfd, int newfd, int flags) {
  int rc = real::dup3(oldfd, newfd, flags);
  if (rc >= 0) forget_endpoint(newfd);
  return rc;
}

SB_HOOK int close_range(unsigned first, unsigned last, int flags) {
  int rc = real::close_range(first, last, flags);
  if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC)) forget_range(first, last);
  return rc;
}

SB_HOOK void closefrom(int lowfd) {
  real::closefrom(lowfd);
  if (lowfd >= 0) forget_range(static_cast<unsigned>(lowfd), UINT_MAX);
}
