// The sending half of the protocol, as sbd speaks it: for tools and tests.
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "socketbox/handoff_wire.hpp"
#include "socketbox/receiver.h"
#include "socketbox/unique_fd.hpp"
#include "unix_path.hpp"

extern "C" int sb_send_fd_payload(int sock, const char* path, int fd, const void* payload,
                                  size_t payload_len) {
  using namespace socketbox::receiver;
  if (payload == nullptr || payload_len == 0 || payload_len > 64) {
    errno = EINVAL;
    return -1;
  }
  sockaddr_un addr;
  socklen_t len = 0;
  if (path != nullptr && (len = make_unix_address(path, addr)) == 0) return -1;

  const int err = socketbox::send_one_fd(sock, path != nullptr ? &addr : nullptr, len, fd, payload,
                                         payload_len);
  if (err != 0) {
    errno = err;
    return -1;
  }
  return 0;
}

extern "C" int sb_send_fd_on(int sock, const char* path, int fd) {
  const char byte = 0;
  return sb_send_fd_payload(sock, path, fd, &byte, 1);
}

extern "C" int sb_send_fd(const char* path, int fd) {
  using namespace socketbox::receiver;
  using socketbox::UniqueFd;
  if (path == nullptr) {
    errno = EINVAL;
    return -1;
  }
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return -1;
  return sb_send_fd_on(sock.get(), path, fd);
}
