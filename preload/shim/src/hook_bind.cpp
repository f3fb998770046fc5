// bind() and listen(): a bind to a mapped address makes the endpoint;
// listen() on an endpoint succeeds without doing anything, except in listener
// mode, where it installs the listening socket sbd sends (listener.hpp).
#include <sys/socket.h>

#include <cerrno>

#include "adopt.hpp"
#include "config.hpp"
#include "endpoint_create.hpp"
#include "endpoints.hpp"
#include "export.hpp"
#include "listener.hpp"
#include "real.hpp"

using namespace socketbox::preload;

namespace {

int mapping_for(const sockaddr* addr, socklen_t len) noexcept {
  for (int i = 0; i < g_config.map_count; ++i)
    if (map_matches(g_config.maps[i], addr, len)) return i;
  return -1;
}

bool is_stream_socket(int fd) noexcept {
  int saved = errno;
  int type = 0;
  socklen_t len = sizeof type;
  bool ok = real::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
  errno = saved;
  return ok;
}

}  // namespace

SB_HOOK int bind(int fd, const sockaddr* addr, socklen_t len) {
  if (!g_config.enabled || addr == nullptr) return real::bind(fd, addr, len);
  int map = mapping_for(addr, len);
  // Only TCP listeners are mapped; a UDP socket on the same port is not ours.
  if (map < 0 || !is_stream_socket(fd)) return real::bind(fd, addr, len);
  if (is_endpoint(fd)) {
    errno = EINVAL;  // already bound, as the kernel would say
    return -1;
  }
  return create_endpoint(fd, map);
}

SB_HOOK int listen(int fd, int backlog) {
  if (!g_config.enabled) return real::listen(fd, backlog);
  EndpointInfo info;
  if (endpoint_info(fd, info)) {
    if (g_config.listener[info.map]) return take_listener(fd, info.map, backlog);
    set_listening(fd);
    return 0;
  }
  int rc = real::listen(fd, backlog);
  if (rc < 0 && errno == EOPNOTSUPP) {
    int saved = errno;
    if (int map = endpoint_map(fd); map >= 0) {
      if (g_config.listener[map]) return take_listener(fd, map, backlog);
      set_listening(fd);
      errno = saved;
      return 0;
    }
    errno = saved;
  }
  return rc;
}
