#include "socketbox/systemd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "socketbox/unique_fd.hpp"

namespace socketbox::systemd {
namespace {

// A non-negative decimal number that fills the whole string, else -1.
long parse_count(const char* s) noexcept {
  if (!s || !*s) return -1;
  long v = 0;
  const char* end = s + std::strlen(s);
  const auto [ptr, ec] = std::from_chars(s, end, v);
  return ec == std::errc() && ptr == end && v >= 0 ? v : -1;
}

}  // namespace

bool notify(std::string_view state) noexcept {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  // An absolute path, or '@' for a name in the abstract namespace.
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
    errno = EINVAL;
    return false;
  }
  std::memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  const socklen_t sa_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  const ssize_t n = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&sa), sa_len);
  return n == static_cast<ssize_t>(state.size());
}

int listen_fds() noexcept {
  // The same answers as sd_listen_fds(): nothing set is 0 sockets, and so are
  // sockets meant for another process; a malformed value is -EINVAL.
  const char* pid_text = std::getenv("LISTEN_PID");
  const char* fds_text = std::getenv("LISTEN_FDS");
  int result = 0;
  if (pid_text) {
    const long pid = parse_count(pid_text);
    const long n = fds_text ? parse_count(fds_text) : 0;
    if (pid <= 0 || n < 0 || n > 1024) {
      result = -EINVAL;
    } else if (pid == ::getpid()) {
      for (int fd = kListenFdsStart; fd < kListenFdsStart + n; ++fd) {
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
          result = -errno;
          break;
        }
      }
      if (result == 0) result = static_cast<int>(n);
    }
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return result;
}

}  // namespace socketbox::systemd
