// A receiving SOCK_DGRAM socket bound in a temp dir, as a socketbox
// receiver makes one, for the hand-off tests.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "socketbox/unique_fd.hpp"

struct ReceiverSocket {
  socketbox::UniqueFd fd;
  explicit ReceiverSocket(const std::string& path)
      : fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path.c_str());
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) fd.reset();
  }
  // Receives one datagram without blocking: the fd it carried (or -1) and
  // the number of fds and payload bytes.
  struct Got {
    int fd = -1;
    int nfds = 0;
    ssize_t bytes = -1;
  };
  Got receive() const {
    Got g;
    char byte[8];
    iovec iov{byte, sizeof byte};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    g.bytes = recvmsg(fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (g.bytes < 0) return g;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      g.nfds = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      std::memcpy(&g.fd, CMSG_DATA(c), sizeof(int));
      for (int i = 1; i < g.nfds; ++i) {
        int extra;
        std::memcpy(&extra, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        close(extra);
      }
    }
    return g;
  }
};
