#include "endpoint_create.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "config.hpp"
#include "endpoints.hpp"
#include "inherit.hpp"
#include "log.hpp"
#include "real.hpp"
#include "socketbox/receiver.h"

namespace socketbox::preload {

void connect_requeue_socket(int fd, int map) noexcept {
  int saved = errno;
  const char* path = g_config.maps[map].path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path, std::strlen(path) + 1);
  int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock >= 0) {
    if (::connect(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
      set_requeue_socket(fd, sock);
    } else {
      real::close(sock);
    }
  }
  errno = saved;
}

int create_endpoint(int fd, int map) noexcept {
  const MapSpec& m = g_config.maps[map];
  char what[64];
  format_address(reinterpret_cast<const sockaddr*>(&m.addr), what, sizeof what);

  int status = ::fcntl(fd, F_GETFL);
  int fdflags = ::fcntl(fd, F_GETFD);
  if (status < 0 || fdflags < 0) return -1;
  int flags = SB_BIND_CLOEXEC;
  if (status & O_NONBLOCK) flags |= SB_BIND_NONBLOCK;
  if (g_config.check_uid) flags |= SB_BIND_PASSCRED;
  // Listener mode: the receiving socket a former listen() kept open holds
  // the path; this bind takes it over (and sbd, seeing a new socket there,
  // sends the listening socket again).
  if (g_config.listener[map]) close_hidden_receiver(map);
  int tmp = sb_bind_receiver(m.path, flags);
  if (tmp < 0) {
    log_line("bind %s: cannot create receiving socket %s: %s", what, m.path, error_name(errno));
    return -1;
  }
  // dup3 swaps the TCP socket out under the same number atomically.
  if (real::dup3(tmp, fd, (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
    int saved = errno;
    real::close(tmp);
    log_line("bind %s: cannot install receiving socket %s on fd %d: %s", what, m.path, fd,
             error_name(saved));
    errno = saved;
    return -1;
  }
  real::close(tmp);
  if (!add_endpoint(fd, map, false)) {
    log_line("bind %s: more than %d receiving endpoints in one process", what, kMaxEndpoints);
    errno = EMFILE;
    return -1;
  }
  // Only connections are re-sent to the endpoint; a listener endpoint gets one socket.
  if (!g_config.listener[map]) connect_requeue_socket(fd, map);
  if (g_config.no_inherit) drop_from_ld_preload();
  if (g_config.debug) log_line("fd %d: %s now receives at %s", fd, what, m.path);
  return 0;
}

}  // namespace socketbox::preload
