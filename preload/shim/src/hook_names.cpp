// getsockname() on an endpoint reports the address the server bound;
// getpeername() says ENOTCONN, as for any listening socket.
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "adopt.hpp"
#include "config.hpp"
#include "endpoints.hpp"
#include "export.hpp"
#include "real.hpp"

using namespace socketbox::preload;

namespace {

void copy_out(const sockaddr_storage& from, socklen_t from_len, sockaddr* addr,
              socklen_t* len) noexcept {
  std::memcpy(addr, &from, *len < from_len ? *len : from_len);
  *len = from_len;
}

}  // namespace

SB_HOOK int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (!g_config.enabled || addr == nullptr || len == nullptr)
    return real::getsockname(fd, addr, len);
  EndpointInfo info;
  if (endpoint_info(fd, info)) {
    const MapSpec& m = g_config.maps[info.map];
    copy_out(m.addr, m.addr_len, addr, len);
    return 0;
  }
  // Read into our own buffer: a caller's short buffer would cut the path.
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  int rc = real::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  if (rc != 0) return rc;
  int map = adopt_if_endpoint(fd, reinterpret_cast<sockaddr*>(&local), local_len);
  if (map >= 0) {
    const MapSpec& m = g_config.maps[map];
    copy_out(m.addr, m.addr_len, addr, len);
    return 0;
  }
  copy_out(local, local_len, addr, len);
  return 0;
}

SB_HOOK int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (g_config.enabled && is_endpoint(fd)) {
    errno = ENOTCONN;
    return -1;
  }
  return real::getpeername(fd, addr, len);
}
