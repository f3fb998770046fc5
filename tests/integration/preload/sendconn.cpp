// sb-test-sendconn: a stand-in for sbd in the preload tests. Accepts TCP
// connections and sends each to a receiver path with the socketbox protocol
// (sb_send_fd), chosen by the connection's local (destination) address.
//   sb-test-sendconn [-t] [--batch N] ADDR PORT DEST=PATH...
// DEST is an IP address (IPv4 also matches its ::ffff: form) or '*'.
// With --batch N, N connections are sent together in one datagram, to
// exercise receivers' multi-fd handling.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "socketbox/receiver.h"

namespace {

struct Route {
  std::string dest;
  std::string path;
};

std::string local_address(int fd) {
  sockaddr_in6 a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
  char buf[INET6_ADDRSTRLEN] = "";
  if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr)) {
    ::inet_ntop(AF_INET, &a.sin6_addr.s6_addr[12], buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
  }
  return buf;
}

std::string normalise(const std::string& ip) {
  in6_addr a6;
  in_addr a4;
  char buf[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&a6)) return ::inet_ntop(AF_INET, &a6.s6_addr[12], buf, sizeof buf);
    return ::inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  }
  if (::inet_pton(AF_INET, ip.c_str(), &a4) == 1) return ::inet_ntop(AF_INET, &a4, buf, sizeof buf);
  return ip;
}

bool send_batch(const std::string& path, const std::vector<int>& fds) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return false;
  char byte = 0;
  iovec iov{&byte, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = sizeof addr;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  bool ok = ::sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
  ::close(sock);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Test stand-in for sbd: accepts TCP and sends each connection to a receiver path"};
  bool transparent = false;
  unsigned batch = 1;
  std::string listen_addr;
  unsigned port = 0;
  std::vector<std::string> route_args;
  app.add_flag("-t,--transparent", transparent, "IPV6_TRANSPARENT on the listener (for TPROXY)");
  app.add_option("--batch", batch, "Send N connections per datagram")->check(CLI::Range(1, 64));
  app.add_option("addr", listen_addr, "IPv6 listen address (::ffff:a.b.c.d for IPv4)")->required();
  app.add_option("port", port, "listen port")->required();
  app.add_option("routes", route_args, "DEST=PATH (DEST an IP or *)")->required();
  CLI11_PARSE(app, argc, argv);

  std::vector<Route> routes;
  for (const std::string& r : route_args) {
    size_t eq = r.find('=');
    if (eq == std::string::npos) {
      std::cerr << "sb-test-sendconn: route '" << r << "' is not DEST=PATH\n";
      return 2;
    }
    std::string dest = r.substr(0, eq);
    routes.push_back({dest == "*" ? dest : normalise(dest), r.substr(eq + 1)});
  }

  int lfd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (transparent && ::setsockopt(lfd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one) != 0) {
    std::perror("sb-test-sendconn: IPV6_TRANSPARENT");
    return 1;
  }
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET6, listen_addr.c_str(), &a.sin6_addr) != 1) {
    std::cerr << "sb-test-sendconn: bad address " << listen_addr << "\n";
    return 2;
  }
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 128) != 0) {
    std::perror("sb-test-sendconn: bind/listen");
    return 1;
  }
  std::cerr << "sb-test-sendconn: listening\n";
  std::vector<int> pending;
  std::string pending_path;
  for (;;) {
    int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) continue;
    std::string dest = local_address(c);
    const Route* route = nullptr;
    for (const Route& r : routes)
      if (r.dest == dest || r.dest == "*") {
        route = &r;
        break;
      }
    if (route == nullptr) {
      std::cerr << "sb-test-sendconn: no route for " << dest << "\n";
      ::close(c);
      continue;
    }
    if (batch == 1) {
      if (sb_send_fd(route->path.c_str(), c) != 0)
        std::cerr << "sb-test-sendconn: send to " << route->path << ": " << std::strerror(errno)
                  << "\n";
      ::close(c);
      continue;
    }
    pending.push_back(c);
    pending_path = route->path;
    if (pending.size() == batch) {
      if (!send_batch(pending_path, pending))
        std::cerr << "sb-test-sendconn: send to " << pending_path << ": " << std::strerror(errno)
                  << "\n";
      for (int fd : pending) ::close(fd);
      pending.clear();
    }
  }
}
