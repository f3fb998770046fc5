#include "listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "setup_error.hpp"
#include "socketbox/net/address.hpp"
#include "socketbox/systemd.hpp"

namespace socketbox::daemon {

namespace {

// Checks an inherited descriptor is a listening TCP socket and makes it
// non-blocking and close-on-exec.
void adopt(int fd, const std::string& what) {
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    throw SetupError(errno_text(what + " is not a socket", errno));
  len = sizeof listening;
  if (type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
      !listening)
    throw SetupError(what + " is not a listening stream socket");
  sockaddr_storage ss{};
  len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0 ||
      (ss.ss_family != AF_INET6 && ss.ss_family != AF_INET))
    throw SetupError(what + " is not an IPv6 or IPv4 socket");
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
    throw SetupError(errno_text("cannot configure " + what, errno));
}

void set_opt(int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof value) < 0) {
    const int err = errno;
    std::string msg = errno_text(std::string("cannot set ") + what, err);
    if (err == EPERM)
      msg += " (needs CAP_NET_ADMIN: run sbd as root, it drops privileges after binding)";
    throw SetupError(msg);
  }
}

sockaddr_in6 parse_listen_address(const Options& o) {
  std::string text = o.listen_address;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  // The dual-stack socket takes IPv4 as ::ffff:a.b.c.d, as parse_addr gives it.
  if (const auto a = socketbox::net::parse_addr(text)) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(o.port);
    sa.sin6_addr = a->to_in6();
    return sa;
  }
  throw SetupError("invalid listen address '" + o.listen_address +
                       "': expected an IPv6 address or a dotted quad",
                   kExitUsage);
}

}  // namespace

std::string describe_local(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return "?";
  char buf[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(s6->sin6_port));
  }
  if (ss.ss_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(s4->sin_port));
  }
  return "?";
}

Listener open_listener(const Options& o) {
  Listener l;
  if (o.listen_fd >= 0) {
    adopt(o.listen_fd, "listen fd " + std::to_string(o.listen_fd));
    l.fd.reset(o.listen_fd);
    l.origin = "inherited fd " + std::to_string(o.listen_fd);
    return l;
  }
  std::vector<std::string> names;
  const int n = systemd::listen_fds(names);
  if (n < 0) throw SetupError(errno_text("cannot read systemd's LISTEN_FDS", -n));
  int own = -1, own_count = 0;
  for (int i = 0; i < n; ++i) {
    const int fd = systemd::kListenFdsStart + i;
    if (names[static_cast<std::size_t>(i)].rfind("listener-", 0) == 0) {
      l.stored.push_back({UniqueFd(fd), names[static_cast<std::size_t>(i)]});
    } else {
      own = fd;
      ++own_count;
    }
  }
  if (own_count > 1)
    throw SetupError("systemd passed " + std::to_string(own_count) +
                     " sockets not named listener-*; sbd serves exactly one");
  if (own_count == 1) {
    adopt(own, "the socket from systemd (fd " + std::to_string(own) + ")");
    l.fd.reset(own);
    l.origin = "systemd";
    return l;
  }

  const sockaddr_in6 sa = parse_listen_address(o);
  l.fd.reset(socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!l.fd) {
    const int err = errno;
    if (err == EAFNOSUPPORT)
      throw SetupError(
          "IPv6 is disabled in this kernel (ipv6.disable=1?): sbd's listening socket is AF_INET6 "
          "and "
          "needs the IPv6 stack, also for IPv4 traffic on [::ffff:127.0.0.1]");
    throw SetupError(errno_text("cannot create the listening socket", err));
  }
  const int fd = l.fd.get();
  set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY=0");
  set_opt(fd, SOL_SOCKET, SO_REUSEADDR, o.no_reuseaddr ? 0 : 1, "SO_REUSEADDR");
  if (o.reuseport) set_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
  if (o.transparent) set_opt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, 1, "IPV6_TRANSPARENT");
  if (o.freebind) set_opt(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1, "IPV6_FREEBIND");
  char addr[INET6_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET6, &sa.sin6_addr, addr, sizeof addr);
  const std::string where = "[" + std::string(addr) + "]:" + std::to_string(o.port);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) {
    const int err = errno;
    std::string msg = errno_text("cannot bind " + where, err);
    if (err == EADDRNOTAVAIL) msg += " (not an address of this host: add it, or use -F/--freebind)";
    if (err == EACCES) msg += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    throw SetupError(msg);
  }
  if (listen(fd, o.backlog) < 0) throw SetupError(errno_text("cannot listen on " + where, errno));
  l.origin = "bound";
  return l;
}

}  // namespace socketbox::daemon
