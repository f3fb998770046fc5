#include "adopt.hpp"

#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "config.hpp"
#include "endpoints.hpp"
#include "log.hpp"
#include "real.hpp"

namespace socketbox::preload {

int adopt_if_endpoint(int fd, const sockaddr* local, socklen_t len) noexcept {
  if (!g_config.enabled || local->sa_family != AF_UNIX) return -1;
  auto* un = reinterpret_cast<const sockaddr_un*>(local);
  if (len <= offsetof(sockaddr_un, sun_path) || un->sun_path[0] == '\0') return -1;
  size_t n = len - offsetof(sockaddr_un, sun_path);
  if (n > sizeof un->sun_path) n = sizeof un->sun_path;
  n = strnlen(un->sun_path, n);
  int map = map_by_path(un->sun_path, n);
  if (map < 0) return -1;
  int saved = errno;
  int type = 0;
  socklen_t tlen = sizeof type;
  bool dgram = real::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_DGRAM;
  errno = saved;
  if (!dgram) return -1;
  // An inherited endpoint was listening in the image that made it.
  if (!add_endpoint(fd, map, true)) return -1;
  if (g_config.debug) log_line("fd %d: inherited endpoint %s", fd, g_config.maps[map].path);
  return map;
}

int endpoint_map(int fd) noexcept {
  if (!g_config.enabled) return -1;
  EndpointInfo info;
  if (endpoint_info(fd, info)) return info.map;
  int saved = errno;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  int map = -1;
  if (real::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0)
    map = adopt_if_endpoint(fd, reinterpret_cast<sockaddr*>(&local), len);
  errno = saved;
  return map;
}

}  // namespace socketbox::preload
