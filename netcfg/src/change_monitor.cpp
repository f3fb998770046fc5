// ChangeMonitor: two netlink sockets (nf_tables and route groups) whose
// notifications notify_filter classifies.
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "error.hpp"
#include "socketbox/netcfg/handles.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/netcfg/notify_filter.hpp"

namespace socketbox::netcfg {
namespace {

MnlSocketPtr subscribe(int bus, unsigned groups, const char* what) {
  MnlSocketPtr nl(mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!nl) throw_errno(std::string("opening a netlink socket for ") + what, errno);
  if (mnl_socket_bind(nl.get(), groups, MNL_SOCKET_AUTOPID) < 0)
    throw_errno(std::string("subscribing to ") + what, errno);
  // Room for a burst (a ruleset flush, a route flush) between two reads.
  const int fd = mnl_socket_get_fd(nl.get());
  int size = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return nl;
}

}  // namespace

struct ChangeMonitor::Sockets {
  MnlSocketPtr nft, route;
};

ChangeMonitor::ChangeMonitor() : s_(std::make_unique<Sockets>()) {
  s_->nft = subscribe(NETLINK_NETFILTER, 1u << (NFNLGRP_NFTABLES - 1), "nftables notifications");
  s_->route =
      subscribe(NETLINK_ROUTE, (1u << (RTNLGRP_IPV4_ROUTE - 1)) | (1u << (RTNLGRP_IPV6_ROUTE - 1)),
                "route notifications");
}

ChangeMonitor::~ChangeMonitor() = default;

std::array<int, 2> ChangeMonitor::fds() const {
  return {mnl_socket_get_fd(s_->nft.get()), mnl_socket_get_fd(s_->route.get())};
}

bool ChangeMonitor::take(int fd) {
  const bool is_nft = fd == mnl_socket_get_fd(s_->nft.get());
  std::vector<char> buf(65536);
  bool concerns = false;
  for (;;) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return concerns;
      if (errno == ENOBUFS) {  // lost some: the caller checks the kernel
        concerns = true;
        continue;
      }
      throw_errno("reading netlink notifications", errno);
    }
    if (n == 0) return concerns;
    const auto len = static_cast<std::size_t>(n);
    if (is_nft ? nft_batch_concerns_socketbox(buf.data(), len)
               : route_batch_concerns_socketbox(buf.data(), len))
      concerns = true;
  }
}

}  // namespace socketbox::netcfg
