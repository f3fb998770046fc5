// The sending half of the protocol, as sbd speaks it: for tools and tests.
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "socketbox/receiver.h"
#include "socketbox/unique_fd.hpp"
#include "unix_path.hpp"

extern "C" int sb_send_fd_payload(int sock, const char* path, int fd, const void* payload, size_t payload_len) {
  using namespace socketbox::receiver;
  using socketbox::UniqueFd;
  if (payload == nullptr || payload_len == 0 || payload_len > 64) {
    errno = EINVAL;
    return -1;
  }
  sockaddr_un addr;
  socklen_t len = 0;
  if (path != nullptr && (len = make_unix_address(path, addr)) == 0) return -1;

  iovec iov{const_cast<void*>(payload), payload_len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  std::memset(control, 0, sizeof control);
  msghdr msg{};
  msg.msg_name = path != nullptr ? &addr : nullptr;
  msg.msg_namelen = len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do {
    n = ::sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
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
