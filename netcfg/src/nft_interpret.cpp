#include "nft_interpret.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <new>
#include <optional>

#include "socketbox/netcfg/interval.hpp"
#include "socketbox/netcfg/nft_layout.hpp"
#include "socketbox/netcfg/nft_text.hpp"

namespace socketbox::netcfg {
namespace {

using layout::SetKind;

// The statements of a rule in the shape limit_rule() (nft_build.cpp) makes.
struct DecodedLimit {
  bool conn = true;
  std::string dyn_set;
  unsigned prefix_bits = 0;
  SourceLimits limits;  // max_conn, or rate, rate_unit and burst
  std::uint64_t packets = 0;
};

// A rule in the shape steer_rule() or limit_rule() (nft_build.cpp) makes.
struct DecodedRule {
  bool skips_loopback = false;
  int family = 0;
  std::string addr_set;
  std::optional<std::string> port_set;
  std::uint16_t port = 0;
  // A TPROXY rule's counter: the block has its own port.
  struct Counter {
    std::uint64_t packets = 0, bytes = 0;
  };
  std::optional<Counter> counter;
  std::optional<DecodedLimit> limit;  // set: a limit rule, `port` means nothing
};

class ExprCursor {
 public:
  explicit ExprCursor(nftnl_rule* r) {
    // collect() fails only when push_back could not allocate.
    if (nftnl_expr_foreach(r, &ExprCursor::collect, &exprs_) < 0) throw std::bad_alloc();
  }
  bool done() const { return pos_ == exprs_.size(); }
  // The next expression if it is of kind `name`.
  nftnl_expr* next(const char* name) {
    if (done()) return nullptr;
    nftnl_expr* e = exprs_[pos_];
    const char* n = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    if (!n || std::strcmp(n, name) != 0) return nullptr;
    ++pos_;
    return e;
  }
  bool peek(const char* name) const {
    if (done()) return false;
    const char* n = nftnl_expr_get_str(exprs_[pos_], NFTNL_EXPR_NAME);
    return n && std::strcmp(n, name) == 0;
  }

 private:
  // Called by libnftnl (C): no exception may leave it.
  static int collect(nftnl_expr* e, void* data) noexcept {
    try {
      static_cast<std::vector<nftnl_expr*>*>(data)->push_back(e);
    } catch (...) {
      return -1;
    }
    return 0;
  }
  std::vector<nftnl_expr*> exprs_;
  std::size_t pos_ = 0;
};

std::uint32_t u32(nftnl_expr* e, std::uint16_t attr) {
  return nftnl_expr_is_set(e, attr) ? nftnl_expr_get_u32(e, attr) : 0xffffffffu;
}

bool data_is(nftnl_expr* e, std::uint16_t attr, const void* want, std::uint32_t want_len) {
  std::uint32_t len = 0;
  const void* d = nftnl_expr_get(e, attr, &len);
  return d && len == want_len && std::memcmp(d, want, len) == 0;
}

bool meta(ExprCursor& c, std::uint32_t key) {
  nftnl_expr* e = c.next("meta");
  return e && u32(e, NFTNL_EXPR_META_KEY) == key && u32(e, NFTNL_EXPR_META_DREG) == NFT_REG_1;
}

bool cmp(ExprCursor& c, std::uint32_t op, const void* data, std::uint32_t len) {
  nftnl_expr* e = c.next("cmp");
  return e && u32(e, NFTNL_EXPR_CMP_SREG) == NFT_REG_1 && u32(e, NFTNL_EXPR_CMP_OP) == op &&
         data_is(e, NFTNL_EXPR_CMP_DATA, data, len);
}

bool payload(ExprCursor& c, std::uint32_t base, std::uint32_t offset, std::uint32_t len) {
  nftnl_expr* e = c.next("payload");
  return e && u32(e, NFTNL_EXPR_PAYLOAD_DREG) == NFT_REG_1 &&
         u32(e, NFTNL_EXPR_PAYLOAD_BASE) == base && u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) == offset &&
         u32(e, NFTNL_EXPR_PAYLOAD_LEN) == len;
}

std::optional<std::string> lookup(ExprCursor& c) {
  nftnl_expr* e = c.next("lookup");
  if (!e || u32(e, NFTNL_EXPR_LOOKUP_SREG) != NFT_REG_1) return std::nullopt;
  if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
      nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) != 0)
    return std::nullopt;  // an inverted lookup ("!= @set") is not ours
  const char* s = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
  if (!s) return std::nullopt;
  return std::string(s);
}

bool bitwise_and(ExprCursor& c, const void* mask, std::uint32_t len) {
  nftnl_expr* e = c.next("bitwise");
  const std::array<std::uint8_t, 16> zero{};
  return e && u32(e, NFTNL_EXPR_BITWISE_SREG) == NFT_REG_1 &&
         u32(e, NFTNL_EXPR_BITWISE_DREG) == NFT_REG_1 && u32(e, NFTNL_EXPR_BITWISE_LEN) == len &&
         (!nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) ||
          nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP) == NFT_BITWISE_BOOL) &&
         data_is(e, NFTNL_EXPR_BITWISE_MASK, mask, len) &&
         data_is(e, NFTNL_EXPR_BITWISE_XOR, zero.data(), len);
}

// The part of a limit rule after the steer match (see limit_rule()).
std::optional<DecodedLimit> decode_limit(ExprCursor& c, int family) {
  nftnl_expr* ct = c.next("ct");
  if (!ct || u32(ct, NFTNL_EXPR_CT_KEY) != NFT_CT_STATE || u32(ct, NFTNL_EXPR_CT_DREG) != NFT_REG_1)
    return std::nullopt;
  const std::uint32_t state_new = layout::kCtStateNew, none = 0;
  if (!bitwise_and(c, &state_new, 4) || !cmp(c, NFT_CMP_NEQ, &none, 4)) return std::nullopt;
  const bool v6 = family == AF_INET6;
  const std::uint32_t len = v6 ? 16 : 4;
  if (!payload(c, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, len)) return std::nullopt;
  DecodedLimit d;
  d.prefix_bits = len * 8;
  if (c.peek("bitwise")) {
    ExprCursor probe = c;
    nftnl_expr* e = probe.next("bitwise");
    std::uint32_t mlen = 0;
    const auto* m =
        static_cast<const std::uint8_t*>(nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen));
    if (!m || mlen != len) return std::nullopt;
    unsigned bits = 0;
    while (bits < len * 8 && (m[bits / 8] & (0x80 >> (bits % 8)))) ++bits;
    // A mask that is not a prefix fails the comparison with prefix_mask().
    const auto want = layout::prefix_mask(bits, len);
    if (bits == 0 || !bitwise_and(c, want.data(), len)) return std::nullopt;
    d.prefix_bits = bits;
  }
  nftnl_expr* dyn = c.next("dynset");
  if (!dyn || u32(dyn, NFTNL_EXPR_DYNSET_SREG_KEY) != NFT_REG_1 ||
      nftnl_expr_is_set(dyn, NFTNL_EXPR_DYNSET_SREG_DATA))
    return std::nullopt;
  const char* set = nftnl_expr_get_str(dyn, NFTNL_EXPR_DYNSET_SET_NAME);
  if (!set) return std::nullopt;
  d.dyn_set = set;
  // Exactly one expression inside, a connlimit or a limit.
  struct Inner {
    std::vector<nftnl_expr*> exprs;
    static int each(nftnl_expr* e, void* data) noexcept {
      try {
        static_cast<Inner*>(data)->exprs.push_back(e);
      } catch (...) {
        return -1;
      }
      return 0;
    }
  } inner;
  if (nftnl_expr_expr_foreach(dyn, &Inner::each, &inner) < 0 || inner.exprs.size() != 1)
    return std::nullopt;
  nftnl_expr* st = inner.exprs.front();
  const char* st_name = nftnl_expr_get_str(st, NFTNL_EXPR_NAME);
  const std::uint32_t op = u32(dyn, NFTNL_EXPR_DYNSET_OP);
  if (st_name && std::strcmp(st_name, "connlimit") == 0 && op == NFT_DYNSET_OP_ADD) {
    if (u32(st, NFTNL_EXPR_CONNLIMIT_FLAGS) != NFT_CONNLIMIT_F_INV) return std::nullopt;
    d.conn = true;
    d.limits.max_conn = u32(st, NFTNL_EXPR_CONNLIMIT_COUNT);
    if (d.limits.max_conn == 0 || d.limits.max_conn == 0xffffffffu) return std::nullopt;
  } else if (st_name && std::strcmp(st_name, "limit") == 0 && op == NFT_DYNSET_OP_UPDATE) {
    if (u32(st, NFTNL_EXPR_LIMIT_TYPE) != NFT_LIMIT_PKTS ||
        u32(st, NFTNL_EXPR_LIMIT_FLAGS) != NFT_LIMIT_F_INV)
      return std::nullopt;
    const std::uint64_t rate = nftnl_expr_get_u64(st, NFTNL_EXPR_LIMIT_RATE);
    const std::uint64_t unit = nftnl_expr_get_u64(st, NFTNL_EXPR_LIMIT_UNIT);
    if (rate == 0 || rate > 0xffffffffu || unit > 0xffffffffu) return std::nullopt;
    d.conn = false;
    d.limits.rate = static_cast<std::uint32_t>(rate);
    d.limits.rate_unit = static_cast<std::uint32_t>(unit);
    d.limits.burst = u32(st, NFTNL_EXPR_LIMIT_BURST);
  } else {
    return std::nullopt;
  }
  nftnl_expr* counter = c.next("counter");
  if (!counter) return std::nullopt;
  d.packets = nftnl_expr_get_u64(counter, NFTNL_EXPR_CTR_PACKETS);
  nftnl_expr* reject = c.next("reject");
  if (!reject || u32(reject, NFTNL_EXPR_REJECT_TYPE) != NFT_REJECT_TCP_RST ||
      (nftnl_expr_is_set(reject, NFTNL_EXPR_REJECT_CODE) &&
       nftnl_expr_get_u8(reject, NFTNL_EXPR_REJECT_CODE) != 0) ||
      !c.done())
    return std::nullopt;
  return d;
}

std::optional<DecodedRule> decode(nftnl_rule* r) {
  ExprCursor c(r);
  DecodedRule d;
  if (c.peek("meta")) {
    // Either "iif != lo" or straight to the family match.
    ExprCursor probe = c;
    if (meta(probe, NFT_META_IIF)) {
      const std::uint32_t lo = if_nametoindex(layout::kLoopback);
      if (!cmp(probe, NFT_CMP_NEQ, &lo, sizeof lo)) return std::nullopt;
      d.skips_loopback = true;
      c = probe;
    }
  }
  if (!meta(c, NFT_META_NFPROTO)) return std::nullopt;
  const std::uint8_t v6 = NFPROTO_IPV6, v4 = NFPROTO_IPV4;
  ExprCursor probe = c;
  if (cmp(probe, NFT_CMP_EQ, &v6, 1)) {
    d.family = AF_INET6;
    if (!payload(probe, NFT_PAYLOAD_NETWORK_HEADER, 24, 16)) return std::nullopt;
  } else {
    probe = c;
    if (!cmp(probe, NFT_CMP_EQ, &v4, 1)) return std::nullopt;
    d.family = AF_INET;
    if (!payload(probe, NFT_PAYLOAD_NETWORK_HEADER, 16, 4)) return std::nullopt;
  }
  c = probe;
  auto addrs = lookup(c);
  if (!addrs) return std::nullopt;
  d.addr_set = *addrs;
  const std::uint8_t tcp = IPPROTO_TCP;
  if (!meta(c, NFT_META_L4PROTO) || !cmp(c, NFT_CMP_EQ, &tcp, 1)) return std::nullopt;
  if (c.peek("payload")) {
    if (!payload(c, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2)) return std::nullopt;
    d.port_set = lookup(c);
    if (!d.port_set) return std::nullopt;
  }
  if (c.peek("ct")) {
    d.limit = decode_limit(c, d.family);
    if (!d.limit) return std::nullopt;
    return d;
  }
  if (nftnl_expr* counter = c.next("counter"))
    d.counter = DecodedRule::Counter{nftnl_expr_get_u64(counter, NFTNL_EXPR_CTR_PACKETS),
                                     nftnl_expr_get_u64(counter, NFTNL_EXPR_CTR_BYTES)};
  nftnl_expr* addr = c.next("immediate");
  if (!addr || u32(addr, NFTNL_EXPR_IMM_DREG) != NFT_REG_1) return std::nullopt;
  if (d.family == AF_INET6) {
    in6_addr a{};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &a);
    if (!data_is(addr, NFTNL_EXPR_IMM_DATA, &a, sizeof a)) return std::nullopt;
  } else {
    const std::uint32_t a = htonl(INADDR_LOOPBACK);
    if (!data_is(addr, NFTNL_EXPR_IMM_DATA, &a, sizeof a)) return std::nullopt;
  }
  nftnl_expr* port = c.next("immediate");
  if (!port || u32(port, NFTNL_EXPR_IMM_DREG) != NFT_REG_2) return std::nullopt;
  std::uint32_t len = 0;
  const void* p = nftnl_expr_get(port, NFTNL_EXPR_IMM_DATA, &len);
  if (!p || len != 2) return std::nullopt;
  std::uint16_t be = 0;
  std::memcpy(&be, p, 2);
  d.port = ntohs(be);
  if (d.counter && d.port == 0) return std::nullopt;  // own port 0 would read as the main one
  nftnl_expr* tp = c.next("tproxy");
  if (!tp ||
      u32(tp, NFTNL_EXPR_TPROXY_FAMILY) != (d.family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4) ||
      u32(tp, NFTNL_EXPR_TPROXY_REG_ADDR) != NFT_REG_1 ||
      u32(tp, NFTNL_EXPR_TPROXY_REG_PORT) != NFT_REG_2)
    return std::nullopt;
  nftnl_expr* verdict = c.next("immediate");
  if (!verdict || u32(verdict, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT ||
      u32(verdict, NFTNL_EXPR_IMM_VERDICT) != NF_ACCEPT || !c.done())
    return std::nullopt;
  return d;
}

// Elements of an interval set as [start, end) ranges. An end element closes
// the nearest start below it; the leading end at key 0 closes nothing.
std::vector<KeyRange> set_ranges(nftnl_set* s) {
  std::vector<Key> starts, ends;
  std::unique_ptr<nftnl_set_elems_iter, Deleter<nftnl_set_elems_iter_destroy>> it(
      nftnl_set_elems_iter_create(s));
  if (!it) return {};
  for (nftnl_set_elem* e = nftnl_set_elems_iter_next(it.get()); e;
       e = nftnl_set_elems_iter_next(it.get())) {
    std::uint32_t len = 0;
    const auto* k =
        static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len));
    if (!k) continue;
    const bool is_end =
        nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
        (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END);
    (is_end ? ends : starts).emplace_back(k, k + len);
  }
  std::sort(starts.begin(), starts.end());
  std::sort(ends.begin(), ends.end());
  std::vector<KeyRange> out;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    KeyRange r{starts[i], std::nullopt};
    auto e = std::upper_bound(ends.begin(), ends.end(), starts[i]);
    if (e != ends.end() && (i + 1 == starts.size() || *e <= starts[i + 1])) r.end = *e;
    out.push_back(std::move(r));
  }
  return out;
}

std::string rule_text(nftnl_rule* r) {
  char buf[1024];
  nftnl_rule_snprintf(buf, sizeof buf, r, NFTNL_OUTPUT_DEFAULT, 0);
  std::string s = buf;
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

Interpreted interpret_nft(const NftObjects& t) {
  Interpreted out;
  out.steering.local_clients = false;

  bool chain_ok = false;
  for (const auto& c : t.chains) {
    const char* name = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME);
    const char* type = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE);
    const bool ours = name && std::strcmp(name, layout::kChain) == 0 && type &&
                      std::strcmp(type, layout::kChainType) == 0 &&
                      nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM) &&
                      nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM) == NF_INET_PRE_ROUTING &&
                      nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO) == layout::kChainPriority &&
                      (!nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY) ||
                       nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_ACCEPT);
    if (ours && !chain_ok) {
      chain_ok = true;
      out.items.push_back({NftItem::Kind::Chain, layout::kChain, chain_text(), {}});
    } else
      out.unrecognized.push_back(std::string("nft chain ") + (name ? name : "?") +
                                 " is not socketbox's");
  }
  if (!chain_ok)
    out.unrecognized.push_back(std::string("nft chain ") + layout::kChain + " is missing");

  // Sets by name, as ranges.
  struct SetInfo {
    layout::SetRef ref;
    std::vector<KeyRange> ranges;
    bool used = false;
    std::uint64_t timeout_ms = 0;  // limit sets
  };
  std::map<std::string, SetInfo> sets;
  for (const auto& s : t.sets) {
    const char* n = nftnl_set_get_str(s.get(), NFTNL_SET_NAME);
    const std::string name = n ? n : "?";
    auto ref = layout::parse_set_name(name);
    const bool v6 = ref && (ref->kind == SetKind::V6 || ref->kind == SetKind::ConnV6 ||
                            ref->kind == SetKind::RateV6);
    const std::uint32_t want_len = !ref ? 0 : v6 ? 16 : ref->kind == SetKind::Ports ? 2 : 4;
    const bool limit = ref && layout::is_limit_set(ref->kind);
    const bool rate = ref && (ref->kind == SetKind::RateV6 || ref->kind == SetKind::RateV4);
    const std::uint32_t want_flags = !limit ? NFT_SET_INTERVAL
                                     : rate ? NFT_SET_EVAL | NFT_SET_TIMEOUT
                                            : NFT_SET_EVAL;
    if (!ref || nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_LEN) != want_len ||
        nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS) != want_flags) {
      out.unrecognized.push_back("nft set " + name + " is not socketbox's");
      continue;
    }
    if (limit) {
      // Its elements are the kernel's bookkeeping (one per source), not state.
      const std::uint64_t timeout = nftnl_set_is_set(s.get(), NFTNL_SET_TIMEOUT)
                                        ? nftnl_set_get_u64(s.get(), NFTNL_SET_TIMEOUT)
                                        : 0;
      SetInfo info{*ref, {}};
      info.timeout_ms = timeout;
      out.items.push_back({NftItem::Kind::Set, name, limit_set_text(rate, timeout), {}});
      sets[name] = std::move(info);
      continue;
    }
    SetInfo info{*ref, set_ranges(s.get())};
    NftItem item{NftItem::Kind::Set, name, "", {}};
    if (ref->kind == SetKind::Ports) {
      std::vector<PortRange> ports;
      for (const auto& range : info.ranges) ports.push_back(ports_from_range(range));
      item.elements = port_elements(std::move(ports));
    } else {
      const int family = ref->kind == SetKind::V6 ? AF_INET6 : AF_INET;
      std::vector<Prefix> prefixes;
      for (const auto& range : info.ranges)
        for (const auto& p : prefixes_from_range(family, range)) prefixes.push_back(p);
      item.elements = prefix_elements(std::move(prefixes), family);
    }
    out.items.push_back(std::move(item));
    sets[name] = std::move(info);
  }

  std::map<std::size_t, Steer> steers;
  std::map<std::size_t, SourceLimits> limits;
  std::map<std::pair<std::size_t, int>, unsigned> limit_bits;
  // Per block: its own port, or nullopt for the main one (a rule without a counter).
  std::map<std::size_t, std::optional<std::uint16_t>> block_port;
  std::optional<std::uint16_t> port;  // the main one
  std::optional<bool> local_clients;
  for (const auto& r : t.rules) {
    auto d = decode(r.get());
    auto addr = d ? sets.find(d->addr_set) : sets.end();
    const SetKind want = d && d->family == AF_INET6 ? SetKind::V6 : SetKind::V4;
    auto ports = d && d->port_set ? sets.find(*d->port_set) : sets.end();
    if (!d || addr == sets.end() || addr->second.ref.kind != want ||
        (d->port_set && (ports == sets.end() || ports->second.ref.kind != SetKind::Ports ||
                         ports->second.ref.steer != addr->second.ref.steer))) {
      out.unrecognized.push_back("nft rule not made by socketbox: " + rule_text(r.get()));
      continue;
    }
    if (d->limit) {
      const DecodedLimit& l = *d->limit;
      auto dyn = sets.find(l.dyn_set);
      const SetKind want_dyn = d->family == AF_INET6 ? (l.conn ? SetKind::ConnV6 : SetKind::RateV6)
                                                     : (l.conn ? SetKind::ConnV4 : SetKind::RateV4);
      if (dyn == sets.end() || dyn->second.ref.kind != want_dyn ||
          dyn->second.ref.steer != addr->second.ref.steer ||
          (!l.conn && dyn->second.timeout_ms != layout::rate_timeout_ms(l.limits.rate_unit))) {
        out.unrecognized.push_back("nft rule not made by socketbox: " + rule_text(r.get()));
        continue;
      }
      dyn->second.used = true;
      // Limit rules match exactly what their block's TPROXY rules match.
      if (local_clients && *local_clients == d->skips_loopback)
        out.unrecognized.push_back("nft rules disagree on local clients");
      local_clients = local_clients.value_or(!d->skips_loopback);
      const std::size_t n = addr->second.ref.steer;
      SourceLimits& have = limits[n];
      SourceLimits next = have;
      if (l.conn)
        next.max_conn = l.limits.max_conn;
      else {
        next.rate = l.limits.rate;
        next.rate_unit = l.limits.rate_unit;
        next.burst = l.limits.burst;
      }
      (d->family == AF_INET6 ? next.prefix6 : next.prefix4) =
          static_cast<std::uint8_t>(l.prefix_bits);
      // The IPv6 and IPv4 rules of one block carry the same limits.
      const bool clash =
          (l.conn && have.max_conn && have.max_conn != next.max_conn) ||
          (!l.conn && have.rate &&
           (have.rate != next.rate || have.rate_unit != next.rate_unit ||
            have.burst != next.burst)) ||
          (limit_bits.count({n, d->family}) && limit_bits[{n, d->family}] != l.prefix_bits);
      if (clash)
        out.unrecognized.push_back("nft limit rules of steer " + std::to_string(n) + " disagree");
      limit_bits[{n, d->family}] = l.prefix_bits;
      have = next;
      out.limit_trips.push_back(
          {n, d->family, l.conn ? LimitTrips::Kind::Conn : LimitTrips::Kind::Rate, l.packets});
      LimitRuleText text{d->family, d->addr_set, d->port_set,   !d->skips_loopback,
                         l.conn,    l.dyn_set,   l.prefix_bits, l.limits};
      out.items.push_back({NftItem::Kind::Rule, l.dyn_set, limit_rule_text(text), {}});
      continue;
    }
    const std::size_t n = addr->second.ref.steer;
    // A counter marks a block with its own port; the rules without one
    // share the main port.
    if (!d->counter) {
      if (port && *port != d->port)
        out.unrecognized.push_back("nft rules disagree on the tproxy port (" +
                                   std::to_string(*port) + " and " + std::to_string(d->port) + ")");
      port = port.value_or(d->port);
    }
    const std::optional<std::uint16_t> own =
        d->counter ? std::optional<std::uint16_t>(d->port) : std::nullopt;
    if (auto seen = block_port.find(n); seen != block_port.end() && seen->second != own)
      out.unrecognized.push_back("nft rules of steer " + std::to_string(n) +
                                 " disagree on the tproxy port");
    block_port.emplace(n, own);
    if (local_clients && *local_clients == d->skips_loopback)
      out.unrecognized.push_back("nft rules disagree on local clients");
    local_clients = local_clients.value_or(!d->skips_loopback);
    out.has_rules = true;
    out.items.push_back({NftItem::Kind::Rule,
                         d->addr_set,
                         steer_rule_text(d->family, d->addr_set, d->port_set, d->port,
                                         !d->skips_loopback, d->counter.has_value()),
                         {}});
    if (d->counter)
      out.steer_counters.push_back({n, d->family, d->port, d->counter->packets, d->counter->bytes});

    Steer& steer = steers[n];
    steer.tproxy_port = own.value_or(0);
    addr->second.used = true;
    for (const auto& range : addr->second.ranges)
      for (const auto& p : prefixes_from_range(d->family, range)) steer.prefixes.push_back(p);
    if (d->port_set) {
      if (!ports->second.used) {
        for (const auto& range : ports->second.ranges)
          steer.ports.push_back(ports_from_range(range));
      }
      ports->second.used = true;
    }
  }
  for (const auto& [name, info] : sets)
    if (!info.used) out.unrecognized.push_back(unused_set_text(name));

  for (auto& [n, l] : limits) {
    auto it = steers.find(n);
    if (it == steers.end())
      out.unrecognized.push_back("nft limit rules of steer " + std::to_string(n) +
                                 " have no steer rule");
    else
      it->second.limits = l;
  }
  std::size_t expect = 0;
  for (auto& [n, steer] : steers) {
    if (n != expect) out.unrecognized.push_back("steer blocks are not numbered 0, 1, 2, ...");
    expect = n + 1;
    out.steering.steers.push_back(std::move(steer));
  }
  if (port) out.steering.tproxy_port = *port;
  if (local_clients) out.steering.local_clients = *local_clients;
  out.steering = normalize(out.steering);
  return out;
}

}  // namespace socketbox::netcfg
