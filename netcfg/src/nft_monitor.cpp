#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "error.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/netcfg/nft_steps.hpp"

namespace socketbox::netcfg {
namespace {

// Every object message names its table in attribute 1.
static_assert(NFTA_TABLE_NAME == 1 && NFTA_CHAIN_TABLE == 1 && NFTA_RULE_TABLE == 1 &&
              NFTA_SET_TABLE == 1 && NFTA_SET_ELEM_LIST_TABLE == 1 && NFTA_OBJ_TABLE == 1 &&
              NFTA_FLOWTABLE_TABLE == 1 && NFTA_GEN_ID == 1);

// Serial-number order: generations wrap around at 2^32.
bool at_or_after(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) >= 0; }

}  // namespace

NftMonitor::NftMonitor() : nl_(mnl_socket_open(NETLINK_NETFILTER)) {
  if (!nl_) throw_errno("opening a netfilter netlink socket", errno);
  if (mnl_socket_bind(nl_.get(), 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0)
    throw_errno("subscribing to nftables notifications", errno);
  // Room for a burst of other tools' commits between two reads of it.
  const int fd = mnl_socket_get_fd(nl_.get());
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  last_gen_ = read_nft_generation();
}

void NftMonitor::take(const char* buf, std::size_t len) {
  int left = static_cast<int>(len);
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf); mnl_nlmsg_ok(nlh, left);
       nlh = mnl_nlmsg_next(nlh, &left)) {
    if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES) continue;
    const int type = nlh->nlmsg_type & 0xff;
    const auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
    // mnl_attr_for_each() written out: the macro's void* assignment is not C++.
    const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    for (auto* attr =
             static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
         mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr)) {
      if (mnl_attr_get_type(attr) != 1) continue;
      if (type == NFT_MSG_NEWGEN) {
        // A commit's NEWGEN comes after all its other notifications.
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) last_gen_ = ntohl(mnl_attr_get_u32(attr));
        open_commit_touched_ = false;
      } else if (nfg->nfgen_family == NFPROTO_INET &&
                 mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
                 std::strcmp(mnl_attr_get_str(attr), kTableName) == 0) {
        touched_ = open_commit_touched_ = true;
      }
      break;
    }
  }
}

bool NftMonitor::untouched_through(std::uint32_t gen) {
  const int fd = mnl_socket_get_fd(nl_.get());
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE > 65536 ? MNL_SOCKET_BUFFER_SIZE : 65536);
  while (!at_or_after(last_gen_, gen)) {
    // The commit that made `gen` sends its notifications before it ends.
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) return false;
    const ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      touched_ = true;  // ENOBUFS: notifications were lost; nothing is sure now
      return false;
    }
    take(buf.data(), static_cast<std::size_t>(n));
  }
  return !touched_;
}

}  // namespace socketbox::netcfg
