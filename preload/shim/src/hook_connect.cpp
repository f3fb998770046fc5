// connect() to an address given with --connect reaches that server's
// receiving socket instead of the network (outbound.hpp).
#include <sys/socket.h>

#include "config.hpp"
#include "export.hpp"
#include "outbound.hpp"
#include "real.hpp"

using namespace socketbox::preload;

SB_HOOK int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (!g_config.enabled || g_config.connect_count == 0) return real::connect(fd, addr, len);
  int index = connect_mapping_for(addr, len);
  if (index < 0) return real::connect(fd, addr, len);
  return outbound_connect(fd, index, addr, len);
}
