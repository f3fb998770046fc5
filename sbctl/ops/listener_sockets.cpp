#include "ops/listener_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include "control/control_client.hpp"

namespace socketbox::sbctl {
namespace {

// The same backlog as sbd's own socket: connections wait there while the
// server restarts.
constexpr int kBacklog = 4096;

std::string where(std::uint16_t port) {
  return "listener port " + std::to_string(port) + " ([::ffff:127.0.0.1]:" + std::to_string(port) +
         ")";
}

}  // namespace

UniqueFd make_transparent_listener(std::uint16_t port, int* errno_out) {
  const auto fail = [&](const std::string& what) -> UniqueFd {
    const int err = errno;
    if (errno_out) *errno_out = err;
    throw std::runtime_error(where(port) + ": " + what + ": " + std::strerror(err));
  };
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail("socket");
  const int on = 1, off = 0;
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0)
    return fail("IPV6_V6ONLY");
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
    return fail("SO_REUSEADDR");
  // TPROXY hands a connection only to a transparent socket.
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_TRANSPARENT, &on, sizeof on) != 0)
    return fail("IPV6_TRANSPARENT (needs CAP_NET_ADMIN)");
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  ::inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa.sin6_addr);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return fail("bind");
  if (::listen(fd.get(), kBacklog) != 0) return fail("listen");
  if (errno_out) *errno_out = 0;
  return fd;
}

std::vector<std::uint16_t> ensure_listeners(const std::string& control_path,
                                            const std::vector<ListenerSocket>& want,
                                            std::vector<std::string>& warnings) {
  std::vector<std::uint16_t> given;
  if (want.empty()) return given;
  std::set<std::uint16_t> held;
  try {
    for (const auto& l : request_status(control_path).answer.listeners)
      if (l.held) held.insert(l.port);
  } catch (const ControlError& e) {
    if (!e.not_running()) throw;
    warnings.push_back("sbd is not running (" + std::string(e.what()) +
                       "): listener routes get their sockets when sbd runs and sbctl apply "
                       "runs again; until then nft steers them to no socket");
    return given;
  }
  for (const ListenerSocket& l : want) {
    if (held.count(l.port)) continue;
    int err = 0;
    UniqueFd fd;
    try {
      fd = make_transparent_listener(l.port, &err);
    } catch (const std::runtime_error& e) {
      if (err != EADDRINUSE) throw;
      // sbd lost it (restarted outside systemd) while the server kept its
      // copy, which still takes the route's connections.
      warnings.push_back(where(l.port) +
                         " is in use but sbd holds no socket for it: if the server at " + l.path +
                         " still holds it, it keeps serving, but gets no socket when it restarts; "
                         "sbd lost it: it was stopped, or restarted without systemd's fd store "
                         "(docs/operations.md)");
      continue;
    }
    const std::uint16_t port = send_listener(control_path, fd.get());
    if (port != l.port)
      throw std::runtime_error(where(l.port) + ": sbd took it as port " + std::to_string(port));
    given.push_back(l.port);
  }
  return given;
}

}  // namespace socketbox::sbctl
