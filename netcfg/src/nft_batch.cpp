#include "nft_batch.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <vector>

#include "error.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/netcfg/retry.hpp"

namespace socketbox::netcfg {
namespace {

// nft's sizes: a 64 KiB message plus a page, pages of 32 system pages.
const std::size_t kMaxMsg = 65535 + 4096;
const std::size_t kPageSize = 32 * 4096;

std::string name_of(const char* s) { return s ? s : "?"; }

}  // namespace

NftBatch::NftBatch(std::optional<std::uint32_t> generation)
    : batch_(nftnl_batch_alloc(kPageSize, kMaxMsg)) {
  if (!batch_) throw_errno("allocating nft batch", ENOMEM);
  seq_ = static_cast<std::uint32_t>(time(nullptr));
  begin_seq_ = seq_;
  nlmsghdr* nlh = nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(batch_.get())), seq_++);
  if (generation) mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*generation));
  nftnl_batch_update(batch_.get());
  first_seq_ = seq_;
}

nlmsghdr* NftBatch::next_header(std::uint16_t type, std::uint16_t flags, std::string what) {
  what_.push_back(std::move(what));
  // NLM_F_ACK on every message: success is an explicit answer, not silence.
  return nftnl_nlmsg_build_hdr(static_cast<char*>(nftnl_batch_buffer(batch_.get())), type,
                               NFPROTO_INET, static_cast<std::uint16_t>(flags | NLM_F_ACK), seq_++);
}

void NftBatch::add_table(const nftnl_table* t) {
  auto* nlh = next_header(NFT_MSG_NEWTABLE, NLM_F_CREATE,
                          "add table " + name_of(nftnl_table_get_str(t, NFTNL_TABLE_NAME)));
  nftnl_table_nlmsg_build_payload(nlh, t);
  nftnl_batch_update(batch_.get());
}

void NftBatch::delete_table(const nftnl_table* t) {
  auto* nlh = next_header(NFT_MSG_DELTABLE, 0,
                          "delete table " + name_of(nftnl_table_get_str(t, NFTNL_TABLE_NAME)));
  nftnl_table_nlmsg_build_payload(nlh, t);
  nftnl_batch_update(batch_.get());
}

void NftBatch::add_chain(const nftnl_chain* c) {
  auto* nlh = next_header(NFT_MSG_NEWCHAIN, NLM_F_CREATE,
                          "add chain " + name_of(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)));
  nftnl_chain_nlmsg_build_payload(nlh, c);
  nftnl_batch_update(batch_.get());
}

void NftBatch::add_set(nftnl_set* s) {
  const std::string name = name_of(nftnl_set_get_str(s, NFTNL_SET_NAME));
  auto* nlh = next_header(NFT_MSG_NEWSET, NLM_F_CREATE, "add set " + name);
  nftnl_set_nlmsg_build_payload(nlh, s);
  nftnl_batch_update(batch_.get());
  // Elements follow in as many messages as they need (each at most 64 KiB).
  std::unique_ptr<nftnl_set_elems_iter, Deleter<nftnl_set_elems_iter_destroy>> it(
      nftnl_set_elems_iter_create(s));
  if (!it) throw_errno("allocating nft element iterator", ENOMEM);
  while (nftnl_set_elems_iter_cur(it.get())) {
    nlh = next_header(NFT_MSG_NEWSETELEM, NLM_F_CREATE, "add elements to set " + name);
    const int more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it.get());
    nftnl_batch_update(batch_.get());
    if (more <= 0) break;
  }
}

void NftBatch::add_rule(nftnl_rule* r) {
  auto* nlh = next_header(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
                          "add rule to chain " + name_of(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)));
  nftnl_rule_nlmsg_build_payload(nlh, r);
  nftnl_batch_update(batch_.get());
}

void NftBatch::commit() {
  nftnl_batch_end(static_cast<char*>(nftnl_batch_buffer(batch_.get())), seq_++);
  nftnl_batch_update(batch_.get());

  MnlSocketPtr nl(mnl_socket_open(NETLINK_NETFILTER));
  if (!nl) throw_errno("opening a netfilter netlink socket", errno);
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    throw_errno("binding the netfilter netlink socket", errno);
  const int fd = mnl_socket_get_fd(nl.get());
  // Room for every acknowledgement: they are all queued before sendmsg returns.
  int rcvbuf = static_cast<int>(std::max<std::size_t>(what_.size() * 1024, 1 << 20));
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  const int iov_len = nftnl_batch_iovec_len(batch_.get());
  std::vector<iovec> iov(static_cast<std::size_t>(iov_len));
  nftnl_batch_iovec(batch_.get(), iov.data(), static_cast<std::uint32_t>(iov_len));
  // The whole batch goes in one sendmsg(): the send buffer must hold it all
  // (as nft does), or a large table fails with EMSGSIZE.
  std::size_t total = 0;
  for (const auto& v : iov) total += v.iov_len;
  int sndbuf = static_cast<int>(std::max<std::size_t>(total + 65536, 1 << 20));
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  sockaddr_nl snl{};
  snl.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &snl;
  msg.msg_namelen = sizeof snl;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (sendmsg(fd, &msg, 0) < 0) throw_errno("sending the nftables transaction", errno);

  // The kernel handled the whole batch inside sendmsg(); read every answer.
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE > 65536 ? MNL_SOCKET_BUFFER_SIZE : 65536);
  std::size_t acked = 0;
  int first_err = 0;
  std::string first_what;
  bool refused_at_begin = false;
  const std::size_t expected = what_.size();
  // Bounded wait: the answers are already queued, so this never sleeps long.
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (acked < expected) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), first_err ? MSG_DONTWAIT : 0);
    if (n < 0) {
      if (first_err && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      throw_errno("reading the nftables transaction's answers", errno);
    }
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      ++acked;
      if (e->error != 0 && !first_err) {
        first_err = -e->error;
        const std::uint32_t idx = nlh->nlmsg_seq - first_seq_;
        refused_at_begin = nlh->nlmsg_seq == begin_seq_;
        if (refused_at_begin)
          first_what = "begin";
        else
          first_what =
              idx < what_.size() ? what_[idx] : "message " + std::to_string(nlh->nlmsg_seq);
      }
    }
  }
  // ERESTART at "begin": NFNL_BATCH_GENID no longer matches the ruleset.
  if (first_err == ERESTART && refused_at_begin)
    throw ConcurrentChange(
        "nftables transaction refused: the ruleset changed since it was read (nothing was "
        "changed)");
  if (first_err)
    throw_errno("nftables transaction refused at \"" + first_what + "\" (nothing was changed)",
                first_err);
}

}  // namespace socketbox::netcfg
