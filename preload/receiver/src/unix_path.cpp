#include "unix_path.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace socketbox::receiver {

socklen_t make_unix_address(const char* path, sockaddr_un& out) noexcept {
  std::memset(&out, 0, sizeof out);
  out.sun_family = AF_UNIX;
  if (path == nullptr || path[0] == '\0') {
    errno = EINVAL;
    return 0;
  }
  size_t n = std::strlen(path);
  if (n >= sizeof out.sun_path) {
    errno = ENAMETOOLONG;
    return 0;
  }
  std::memcpy(out.sun_path, path, n);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + 1);
}

}  // namespace socketbox::receiver
