// build_nft(): the table, its prerouting chain, one interval set per address
// family and one for ports per steer block, and one TPROXY rule per family
// (with a counter in a block with its own port).
// The bytecode matches what nft 1.0.x generates for the same text (compare
// `nft --debug=netlink -f` of render_nft()'s output).
#include <arpa/inet.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <string>

#include "error.hpp"
#include "socketbox/netcfg/interval.hpp"
#include "socketbox/netcfg/nft_layout.hpp"
#include "socketbox/netcfg/nft_steps.hpp"

namespace socketbox::netcfg {
namespace {

// nft's datatype numbers (nftables include/datatype.h) and byte order for the
// set's userdata, so `nft list` prints the types back as ipv6_addr etc.
constexpr std::uint32_t kTypeIpv4Addr = 7;
constexpr std::uint32_t kTypeIpv6Addr = 8;
constexpr std::uint32_t kTypeInetService = 13;
constexpr std::uint32_t kByteorderBigEndian = 2;

template <typename T, typename Alloc>
T alloc_or_throw(Alloc alloc, const char* what) {
  T p(alloc());
  if (!p) throw_errno(std::string("allocating ") + what, ENOMEM);
  return p;
}

ExprPtr new_expr(const char* name) {
  ExprPtr e(nftnl_expr_alloc(name));
  if (!e) throw_errno(std::string("allocating nft expression ") + name, ENOMEM);
  return e;
}

void add_expr(nftnl_rule* rule, ExprPtr e) { nftnl_rule_add_expr(rule, e.release()); }

void add_meta(nftnl_rule* rule, std::uint32_t key) {
  ExprPtr e = new_expr("meta");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
  add_expr(rule, std::move(e));
}

void add_cmp(nftnl_rule* rule, std::uint32_t op, const void* data, std::uint32_t len) {
  ExprPtr e = new_expr("cmp");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data, len);
  add_expr(rule, std::move(e));
}

void add_payload(nftnl_rule* rule, std::uint32_t base, std::uint32_t offset, std::uint32_t len) {
  ExprPtr e = new_expr("payload");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_LEN, len);
  add_expr(rule, std::move(e));
}

void add_lookup(nftnl_rule* rule, const std::string& set, std::uint32_t set_id) {
  ExprPtr e = new_expr("lookup");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
  nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, set.c_str());
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SET_ID, set_id);
  add_expr(rule, std::move(e));
}

void add_immediate(nftnl_rule* rule, std::uint32_t reg, const void* data, std::uint32_t len) {
  ExprPtr e = new_expr("immediate");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, reg);
  nftnl_expr_set(e.get(), NFTNL_EXPR_IMM_DATA, data, len);
  add_expr(rule, std::move(e));
}

void add_tproxy(nftnl_rule* rule, std::uint32_t family) {
  ExprPtr e = new_expr("tproxy");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_TPROXY_FAMILY, family);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_TPROXY_REG_ADDR, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_TPROXY_REG_PORT, NFT_REG_2);
  add_expr(rule, std::move(e));
}

void add_accept(nftnl_rule* rule) {
  ExprPtr e = new_expr("immediate");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
  add_expr(rule, std::move(e));
}

void add_element(nftnl_set* set, const Key& key, bool interval_end) {
  SetElemPtr el(nftnl_set_elem_alloc());
  if (!el) throw_errno("allocating nft set element", ENOMEM);
  nftnl_set_elem_set(el.get(), NFTNL_SET_ELEM_KEY, key.data(),
                     static_cast<std::uint32_t>(key.size()));
  if (interval_end)
    nftnl_set_elem_set_u32(el.get(), NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
  nftnl_set_elem_add(set, el.release());
}

// Interval elements as nft sends them for a new named set: a leading
// interval-end at key 0 unless the first interval starts there, then per
// interval its start and (unless it reaches the largest key) its exclusive
// end flagged NFT_SET_ELEM_INTERVAL_END. Ranges must be sorted, disjoint.
void add_intervals(nftnl_set* set, const std::vector<KeyRange>& ranges) {
  if (ranges.empty()) return;
  const Key zero(ranges.front().start.size(), 0);
  if (ranges.front().start != zero) add_element(set, zero, true);
  for (const auto& r : ranges) {
    add_element(set, r.start, false);
    if (r.end) add_element(set, *r.end, true);
  }
}

SetPtr new_set(const std::string& name, std::uint32_t id, std::uint32_t type, std::uint32_t key_len,
               std::uint32_t flags = NFT_SET_INTERVAL) {
  SetPtr s = alloc_or_throw<SetPtr>(nftnl_set_alloc, "nft set");
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, flags);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, type);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, key_len);
  std::unique_ptr<nftnl_udata_buf, Deleter<nftnl_udata_buf_free>> ud(
      nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
  if (!ud || !nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, kByteorderBigEndian))
    throw_errno("allocating nft set userdata", ENOMEM);
  nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()),
                     nftnl_udata_buf_len(ud.get()));
  return s;
}

RulePtr new_rule() {
  RulePtr r = alloc_or_throw<RulePtr>(nftnl_rule_alloc, "nft rule");
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, layout::kChain);
  return r;
}

struct SetHandle {
  std::string name;
  std::uint32_t id;
};

// [iif != lo] <family> daddr @addrs (tcp dport @ports | meta l4proto tcp):
// what a steer block's rules match before their statements.
void add_steer_match(nftnl_rule* rule, int family, const SetHandle& addrs, const SetHandle* ports,
                     const DesiredState& d) {
  if (!d.local_clients) {
    // Locally originated packets re-enter through lo; leave them alone.
    add_meta(rule, NFT_META_IIF);
    const std::uint32_t lo = if_nametoindex(layout::kLoopback);
    if (lo == 0) throw_errno("looking up the loopback interface", errno);
    add_cmp(rule, NFT_CMP_NEQ, &lo, sizeof lo);
  }
  const std::uint8_t nfproto = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
  add_meta(rule, NFT_META_NFPROTO);
  add_cmp(rule, NFT_CMP_EQ, &nfproto, sizeof nfproto);
  if (family == AF_INET6)
    add_payload(rule, NFT_PAYLOAD_NETWORK_HEADER, 24, 16);  // ip6 daddr
  else
    add_payload(rule, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);  // ip daddr
  add_lookup(rule, addrs.name, addrs.id);
  const std::uint8_t tcp = IPPROTO_TCP;
  add_meta(rule, NFT_META_L4PROTO);
  add_cmp(rule, NFT_CMP_EQ, &tcp, sizeof tcp);
  if (ports) {
    add_payload(rule, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);  // tcp dport
    add_lookup(rule, ports->name, ports->id);
  }
}

void add_counter(nftnl_rule* rule) {
  ExprPtr counter = new_expr("counter");
  nftnl_expr_set_u64(counter.get(), NFTNL_EXPR_CTR_PACKETS, 0);
  nftnl_expr_set_u64(counter.get(), NFTNL_EXPR_CTR_BYTES, 0);
  add_expr(rule, std::move(counter));
}

// <match> [counter] tproxy <family> to <loopback>:port accept
// A block with its own port counts what went to it (a listener sbd never sees).
RulePtr steer_rule(int family, const SetHandle& addrs, const SetHandle* ports,
                   const DesiredState& d, const Steer& steer) {
  RulePtr r = new_rule();
  nftnl_rule* rule = r.get();
  add_steer_match(rule, family, addrs, ports, d);
  if (steer.tproxy_port != 0) add_counter(rule);
  if (family == AF_INET6) {
    in6_addr a{};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &a);
    add_immediate(rule, NFT_REG_1, &a, sizeof a);
  } else {
    in_addr a{};
    a.s_addr = htonl(INADDR_LOOPBACK);
    add_immediate(rule, NFT_REG_1, &a, sizeof a);
  }
  const std::uint16_t port = htons(steer.tproxy_port != 0 ? steer.tproxy_port : d.tproxy_port);
  add_immediate(rule, NFT_REG_2, &port, sizeof port);
  add_tproxy(rule, family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
  add_accept(rule);
  return r;
}

void add_bitwise_and(nftnl_rule* rule, const void* mask, std::uint32_t len) {
  const std::array<std::uint8_t, 16> zero{};
  ExprPtr e = new_expr("bitwise");
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_MASK, mask, len);
  nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_XOR, zero.data(), len);
  add_expr(rule, std::move(e));
}

// <match> ct state new (add @conn { saddr & mask ct count over N } |
// update @rate { saddr & mask limit rate over R/unit burst B packets })
// counter reject with tcp reset
RulePtr limit_rule(int family, const SetHandle& addrs, const SetHandle* ports,
                   const DesiredState& d, const SourceLimits& l, bool conn, const SetHandle& dyn) {
  RulePtr r = new_rule();
  nftnl_rule* rule = r.get();
  add_steer_match(rule, family, addrs, ports, d);
  // ct state new: only a new connection is counted or refused.
  ExprPtr ct = new_expr("ct");
  nftnl_expr_set_u32(ct.get(), NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
  nftnl_expr_set_u32(ct.get(), NFTNL_EXPR_CT_DREG, NFT_REG_1);
  add_expr(rule, std::move(ct));
  const std::uint32_t state_new = layout::kCtStateNew, none = 0;
  add_bitwise_and(rule, &state_new, sizeof state_new);
  add_cmp(rule, NFT_CMP_NEQ, &none, sizeof none);

  const bool v6 = family == AF_INET6;
  add_payload(rule, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4);  // saddr
  const std::uint8_t bits = v6 ? l.prefix6 : l.prefix4;
  const std::uint32_t len = v6 ? 16 : 4;
  if (bits < len * 8) {
    const auto mask = layout::prefix_mask(bits, len);
    add_bitwise_and(rule, mask.data(), len);
  }
  ExprPtr stateful;
  if (conn) {
    stateful = new_expr("connlimit");
    nftnl_expr_set_u32(stateful.get(), NFTNL_EXPR_CONNLIMIT_COUNT, l.max_conn);
    nftnl_expr_set_u32(stateful.get(), NFTNL_EXPR_CONNLIMIT_FLAGS, NFT_CONNLIMIT_F_INV);
  } else {
    stateful = new_expr("limit");
    nftnl_expr_set_u64(stateful.get(), NFTNL_EXPR_LIMIT_RATE, l.rate);
    nftnl_expr_set_u64(stateful.get(), NFTNL_EXPR_LIMIT_UNIT, l.rate_unit);
    nftnl_expr_set_u32(stateful.get(), NFTNL_EXPR_LIMIT_BURST, l.burst);
    nftnl_expr_set_u32(stateful.get(), NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
    nftnl_expr_set_u32(stateful.get(), NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
  }
  ExprPtr dynset = new_expr("dynset");
  nftnl_expr_set_u32(dynset.get(), NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
  nftnl_expr_set_u32(dynset.get(), NFTNL_EXPR_DYNSET_OP,
                     conn ? NFT_DYNSET_OP_ADD : NFT_DYNSET_OP_UPDATE);
  nftnl_expr_set_str(dynset.get(), NFTNL_EXPR_DYNSET_SET_NAME, dyn.name.c_str());
  nftnl_expr_set_u32(dynset.get(), NFTNL_EXPR_DYNSET_SET_ID, dyn.id);
  // The dynset expression owns the stateful one from here on.
  nftnl_expr_set(dynset.get(), NFTNL_EXPR_DYNSET_EXPR, stateful.release(), 0);
  add_expr(rule, std::move(dynset));

  add_counter(rule);
  ExprPtr reject = new_expr("reject");
  nftnl_expr_set_u32(reject.get(), NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
  nftnl_expr_set_u8(reject.get(), NFTNL_EXPR_REJECT_CODE, 0);
  add_expr(rule, std::move(reject));
  return r;
}

}  // namespace

NftObjects build_nft(const DesiredState& d) {
  using layout::SetKind;
  NftObjects o;
  o.table = alloc_or_throw<TablePtr>(nftnl_table_alloc, "nft table");
  nftnl_table_set_u32(o.table.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
  nftnl_table_set_str(o.table.get(), NFTNL_TABLE_NAME, kTableName);
  nftnl_table_set_u32(o.table.get(), NFTNL_TABLE_FLAGS, 0);

  ChainPtr chain = alloc_or_throw<ChainPtr>(nftnl_chain_alloc, "nft chain");
  nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
  nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, kTableName);
  nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, layout::kChain);
  nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_PRE_ROUTING);
  nftnl_chain_set_s32(chain.get(), NFTNL_CHAIN_PRIO, layout::kChainPriority);
  nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TYPE, layout::kChainType);
  nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  o.chains.push_back(std::move(chain));

  std::uint32_t next_id = 1;
  for (std::size_t n = 0; n < d.steers.size(); ++n) {
    const Steer& steer = d.steers[n];
    std::vector<KeyRange> v6, v4, ports;
    for (const auto& p : steer.prefixes)
      (p.family() == AF_INET6 ? v6 : v4).push_back(prefix_range(p));
    for (const auto& r : steer.ports) ports.push_back(port_range(r));

    std::optional<SetHandle> set6, set4, setp;
    auto make = [&](SetKind kind, std::uint32_t type, std::uint32_t len,
                    const std::vector<KeyRange>& ranges) {
      SetHandle h{layout::set_name(n, kind), next_id++};
      SetPtr s = new_set(h.name, h.id, type, len);
      add_intervals(s.get(), ranges);
      o.sets.push_back(std::move(s));
      return h;
    };
    if (!v6.empty()) set6 = make(SetKind::V6, kTypeIpv6Addr, 16, v6);
    if (!v4.empty()) set4 = make(SetKind::V4, kTypeIpv4Addr, 4, v4);
    if (!ports.empty()) setp = make(SetKind::Ports, kTypeInetService, 2, ports);
    const SetHandle* pp = setp ? &*setp : nullptr;
    const SourceLimits& l = steer.limits;
    // Limit rules come before the TPROXY rule of their family: a refused
    // connection must never be steered.
    for (const int family : {AF_INET6, AF_INET}) {
      const std::optional<SetHandle>& addrs = family == AF_INET6 ? set6 : set4;
      if (!addrs) continue;
      const bool is6 = family == AF_INET6;
      const std::uint32_t type = is6 ? kTypeIpv6Addr : kTypeIpv4Addr;
      const std::uint32_t len = is6 ? 16 : 4;
      if (l.max_conn) {
        SetHandle h{layout::set_name(n, is6 ? SetKind::ConnV6 : SetKind::ConnV4), next_id++};
        SetPtr s = new_set(h.name, h.id, type, len, NFT_SET_EVAL);
        nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, layout::kLimitSetSize);
        o.sets.push_back(std::move(s));
        o.rules.push_back(limit_rule(family, *addrs, pp, d, l, true, h));
      }
      if (l.rate) {
        SetHandle h{layout::set_name(n, is6 ? SetKind::RateV6 : SetKind::RateV4), next_id++};
        SetPtr s = new_set(h.name, h.id, type, len, NFT_SET_EVAL | NFT_SET_TIMEOUT);
        nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, layout::kLimitSetSize);
        nftnl_set_set_u64(s.get(), NFTNL_SET_TIMEOUT, layout::rate_timeout_ms(l.rate_unit));
        o.sets.push_back(std::move(s));
        o.rules.push_back(limit_rule(family, *addrs, pp, d, l, false, h));
      }
      o.rules.push_back(steer_rule(family, *addrs, pp, d, steer));
    }
  }
  return o;
}

}  // namespace socketbox::netcfg
