#include "test_support.hpp"

#include <sys/un.h>

#include <algorithm>
#include <cstring>

namespace sbtest {

int send_fds(const std::string& path, const std::vector<int>& fds, int messages) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  char byte = 0;
  iovec iov{&byte, 1};
  size_t per = (fds.size() + static_cast<size_t>(messages) - 1) / static_cast<size_t>(messages);
  std::vector<char> control(static_cast<size_t>(messages) * CMSG_SPACE(sizeof(int) * per), 0);
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = sizeof addr;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  size_t used = 0, at = 0;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  for (int m = 0; m < messages && at < fds.size(); ++m) {
    size_t n = std::min(per, fds.size() - at);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    std::memcpy(CMSG_DATA(c), fds.data() + at, sizeof(int) * n);
    at += n;
    used += CMSG_SPACE(sizeof(int) * n);
    c = CMSG_NXTHDR(&msg, c);
    if (c == nullptr) break;
  }
  msg.msg_controllen = used;
  int rc = ::sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
  ::close(sock);
  return rc;
}

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

}  // namespace sbtest
