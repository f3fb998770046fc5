// sb_bind_receiver: the receiving socket at a path, replacing stale files.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include "socketbox/receiver.h"
#include "socketbox/unique_fd.hpp"
#include "unix_path.hpp"

namespace socketbox::receiver {
namespace {

// Someone still receives on a socket file when a datagram socket can
// connect to it; a file left behind by a dead receiver refuses.
bool socket_is_live(const sockaddr_un& addr, socklen_t len) noexcept {
  UniqueFd probe(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe) return false;
  return ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), len) == 0;
}

// Makes room for bind: removes a stale socket file, refuses anything else.
int clear_path(const char* path, const sockaddr_un& addr, socklen_t len) noexcept {
  struct stat st {};
  if (::lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISSOCK(st.st_mode)) {
    errno = EEXIST;
    return -1;
  }
  if (socket_is_live(addr, len)) {
    errno = EADDRINUSE;
    return -1;
  }
  if (::unlink(path) != 0 && errno != ENOENT) return -1;
  return 0;
}

}  // namespace
}  // namespace socketbox::receiver

extern "C" int sb_bind_receiver(const char* path, int flags) {
  using namespace socketbox::receiver;
  using socketbox::UniqueFd;
  sockaddr_un addr;
  socklen_t len = make_unix_address(path, addr);
  if (len == 0) return -1;

  int type = SOCK_DGRAM;
  if (flags & SB_BIND_NONBLOCK) type |= SOCK_NONBLOCK;
  if (flags & SB_BIND_CLOEXEC) type |= SOCK_CLOEXEC;
  UniqueFd fd(::socket(AF_UNIX, type, 0));
  if (!fd) return -1;
  if (flags & SB_BIND_PASSCRED) {
    // Before bind: credentials are attached to datagrams sent while it is set.
    int one = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) return -1;
  }
  if (clear_path(path, addr, len) != 0) return -1;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0) return -1;
  // The sender (sbd) reaches it through its group; nobody else may.
  if (::chmod(path, 0660) != 0) {
    int saved = errno;
    ::unlink(path);
    errno = saved;
    return -1;
  }
  return fd.release();
}
