#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/netcfg/nft_steps.hpp"

namespace socketbox::netcfg {
namespace {

struct Interrupted {};

class NftReader {
 public:
  NftReader() : nl_(mnl_socket_open(NETLINK_NETFILTER)) {
    if (!nl_) throw_errno("opening a netfilter netlink socket", errno);
    if (mnl_socket_bind(nl_.get(), 0, MNL_SOCKET_AUTOPID) < 0)
      throw_errno("binding the netfilter netlink socket", errno);
    timeval tv{5, 0};  // the kernel answers at once; never hang on a lost answer
    setsockopt(mnl_socket_get_fd(nl_.get()), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    portid_ = mnl_socket_get_portid(nl_.get());
  }

  // Sends one request built by `build` and feeds every answer to `each`.
  // Returns 0 or the errno the kernel answered with.
  int talk(std::uint16_t type, std::uint16_t flags, const std::function<void(nlmsghdr*)>& build,
           const std::function<void(const nlmsghdr*)>& each, const char* what) {
    std::vector<char> buf(65536 + 4096);
    const std::uint32_t seq = ++seq_;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), type, NFPROTO_INET,
                                          static_cast<std::uint16_t>(flags | NLM_F_ACK), seq);
    if (build) build(nlh);
    if (mnl_socket_sendto(nl_.get(), nlh, nlh->nlmsg_len) < 0)
      throw_errno(std::string("asking for ") + what, errno);
    Context ctx{each, nullptr};
    while (true) {
      const ssize_t n = mnl_socket_recvfrom(nl_.get(), buf.data(), buf.size());
      if (n < 0) throw_errno(std::string("reading ") + what, errno);
      const int ret =
          mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid_, &NftReader::cb, &ctx);
      // What `each` threw, thrown again now that libmnl's frames are gone.
      if (ctx.error) std::rethrow_exception(ctx.error);
      if (ret == MNL_CB_STOP) break;
      if (ret < 0) {
        // A dump interrupted by a concurrent change (NLM_F_DUMP_INTR): start over.
        if (errno == EINTR) throw Interrupted{};
        return errno;
      }
    }
    return 0;
  }

 private:
  struct Context {
    const std::function<void(const nlmsghdr*)>& each;
    std::exception_ptr error;
  };
  // Called by libmnl (C): no exception may leave it, so it is kept and
  // libmnl is told to stop.
  static int cb(const nlmsghdr* nlh, void* data) noexcept {
    auto* ctx = static_cast<Context*>(data);
    try {
      ctx->each(nlh);
    } catch (...) {
      ctx->error = std::current_exception();
      return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
  }

  MnlSocketPtr nl_;
  std::uint32_t portid_ = 0;
  std::uint32_t seq_ = static_cast<std::uint32_t>(time(nullptr));
};

// The full 32-bit generation from the answer's NFTA_GEN_ID attribute, as
// iptables-nft reads it. nfgenmsg.res_id holds only its low 16 bits, and the
// kernel compares NFNL_BATCH_GENID with all 32: a namespace past 65,535
// commits would refuse every batch.
std::uint32_t read_genid(NftReader& r) {
  std::optional<std::uint32_t> gen;
  const int err = r.talk(
      NFT_MSG_GETGEN, 0, nullptr,
      [&](const nlmsghdr* nlh) {
        if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN)) return;
        GenPtr g(nftnl_gen_alloc());
        if (!g) throw_errno("allocating nft generation", ENOMEM);
        if (nftnl_gen_nlmsg_parse(nlh, g.get()) < 0 || !nftnl_gen_is_set(g.get(), NFTNL_GEN_ID))
          throw_error("reading the nftables generation: the answer has no NFTA_GEN_ID");
        gen = nftnl_gen_get_u32(g.get(), NFTNL_GEN_ID);
      },
      "the nftables generation");
  if (err) throw_errno("reading the nftables generation", err);
  if (!gen) throw_error("reading the nftables generation: no answer");
  return *gen;
}

// Copies the netlink attributes in [src, src + len) to `out`, leaving out a
// zero NFTA_DYNSET_TIMEOUT of a dynset expression. depth: 0 the rule's
// attributes, 1 its expression list, 2 one expression, 3 a dynset's data.
void copy_attrs(const char* src, std::size_t len, std::vector<char>& out, int depth) {
  bool dynset = false;
  if (depth == 2) {  // the expression's name comes before its data
    for (std::size_t off = 0; off + NLA_HDRLEN <= len;) {
      nlattr a{};
      std::memcpy(&a, src + off, sizeof a);
      if (a.nla_len < NLA_HDRLEN || off + a.nla_len > len) break;
      if ((a.nla_type & NLA_TYPE_MASK) == NFTA_EXPR_NAME)
        dynset =
            std::string_view(src + off + NLA_HDRLEN,
                             strnlen(src + off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN)) == "dynset";
      off += NLA_ALIGN(a.nla_len);
    }
  }
  for (std::size_t off = 0; off + NLA_HDRLEN <= len;) {
    nlattr a{};
    std::memcpy(&a, src + off, sizeof a);
    if (a.nla_len < NLA_HDRLEN || off + a.nla_len > len) break;
    const std::uint16_t type = a.nla_type & NLA_TYPE_MASK;
    const char* payload = src + off + NLA_HDRLEN;
    const std::size_t plen = a.nla_len - NLA_HDRLEN;
    const std::size_t next = off + std::min<std::size_t>(NLA_ALIGN(a.nla_len), len - off);
    const bool nested = (depth == 0 && type == NFTA_RULE_EXPRESSIONS) ||
                        (depth == 1 && type == NFTA_LIST_ELEM) ||
                        (depth == 2 && type == NFTA_EXPR_DATA && dynset);
    if (depth == 3 && type == NFTA_DYNSET_TIMEOUT && plen == 8 &&
        std::all_of(payload, payload + 8, [](char b) { return b == 0; })) {
      off = next;
      continue;
    }
    const std::size_t at = out.size();
    if (nested) {
      out.insert(out.end(), src + off, payload);
      copy_attrs(payload, plen, out, depth + 1);
      const auto new_len = static_cast<std::uint16_t>(out.size() - at);
      std::memcpy(out.data() + at + offsetof(nlattr, nla_len), &new_len, sizeof new_len);
      out.resize(at + NLA_ALIGN(out.size() - at), 0);
    } else {
      out.insert(out.end(), src + off, src + next);
    }
    off = next;
  }
}

// The kernel reports a dynset's timeout even when none was given (0). Sent
// back, the kernel refuses it for a set without timeouts (a limit's
// connection-count set), so a table read could not be loaded back as it
// was: the rule is rebuilt from its own netlink form without it.
void drop_zero_dynset_timeouts(RulePtr& r) {
  bool found = false;
  nftnl_expr_foreach(
      r.get(),
      [](nftnl_expr* e, void* data) noexcept {
        const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        if (name && std::string_view(name) == "dynset" &&
            nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_TIMEOUT) &&
            nftnl_expr_get_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT) == 0)
          *static_cast<bool*>(data) = true;
        return 0;
      },
      &found);
  if (!found) return;
  std::vector<char> buf(65536 + 4096);
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  const std::size_t head = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg));
  std::vector<char> out(buf.data(), buf.data() + head);
  copy_attrs(buf.data() + head, nlh->nlmsg_len - head, out, 0);
  out.resize(NLMSG_ALIGN(out.size()), 0);
  auto* copy = reinterpret_cast<nlmsghdr*>(out.data());
  copy->nlmsg_len = static_cast<std::uint32_t>(out.size());
  RulePtr clean(nftnl_rule_alloc());
  if (!clean) throw_errno("allocating nft rule", ENOMEM);
  if (nftnl_rule_nlmsg_parse(copy, clean.get()) < 0)
    throw_error("reading the nft table inet socketbox: a rule could not be re-read");
  r = std::move(clean);
}

// What differs between the kinds of object read from the table: libnftnl's
// functions for each, and the attributes that are the kernel's bookkeeping
// (handles, counters, use counts), dropped so a read compares with a build.
struct ChainKind {
  using Ptr = ChainPtr;
  static constexpr std::uint16_t kMsg = NFT_MSG_GETCHAIN;
  static constexpr const char* kWhat = "chains";
  static nftnl_chain* alloc() { return nftnl_chain_alloc(); }
  static void set_table(nftnl_chain* c) { nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, kTableName); }
  static void build(nlmsghdr* nlh, nftnl_chain* c) { nftnl_chain_nlmsg_build_payload(nlh, c); }
  static int parse(const nlmsghdr* nlh, nftnl_chain* c) { return nftnl_chain_nlmsg_parse(nlh, c); }
  static const char* table_of(nftnl_chain* c) { return nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE); }
  static void tidy(ChainPtr& p) {
    nftnl_chain* c = p.get();
    for (auto a : {NFTNL_CHAIN_HANDLE, NFTNL_CHAIN_USE, NFTNL_CHAIN_BYTES, NFTNL_CHAIN_PACKETS,
                   NFTNL_CHAIN_FLAGS})
      nftnl_chain_unset(c, a);
  }
};

struct SetKind {
  using Ptr = SetPtr;
  static constexpr std::uint16_t kMsg = NFT_MSG_GETSET;
  static constexpr const char* kWhat = "sets";
  static nftnl_set* alloc() { return nftnl_set_alloc(); }
  static void set_table(nftnl_set* s) { nftnl_set_set_str(s, NFTNL_SET_TABLE, kTableName); }
  static void build(nlmsghdr* nlh, nftnl_set* s) { nftnl_set_nlmsg_build_payload(nlh, s); }
  static int parse(const nlmsghdr* nlh, nftnl_set* s) { return nftnl_set_nlmsg_parse(nlh, s); }
  static const char* table_of(nftnl_set* s) { return nftnl_set_get_str(s, NFTNL_SET_TABLE); }
  static void tidy(SetPtr&) {}  // after its elements are read (read_elements)
};

struct RuleKind {
  using Ptr = RulePtr;
  static constexpr std::uint16_t kMsg = NFT_MSG_GETRULE;
  static constexpr const char* kWhat = "rules";
  static nftnl_rule* alloc() { return nftnl_rule_alloc(); }
  static void set_table(nftnl_rule* r) { nftnl_rule_set_str(r, NFTNL_RULE_TABLE, kTableName); }
  static void build(nlmsghdr* nlh, nftnl_rule* r) { nftnl_rule_nlmsg_build_payload(nlh, r); }
  static int parse(const nlmsghdr* nlh, nftnl_rule* r) { return nftnl_rule_nlmsg_parse(nlh, r); }
  static const char* table_of(nftnl_rule* r) { return nftnl_rule_get_str(r, NFTNL_RULE_TABLE); }
  static void tidy(RulePtr& r) {
    nftnl_rule_unset(r.get(), NFTNL_RULE_HANDLE);
    nftnl_rule_unset(r.get(), NFTNL_RULE_POSITION);
    drop_zero_dynset_timeouts(r);
  }
};

template <typename Kind>
typename Kind::Ptr alloc_object() {
  typename Kind::Ptr p(Kind::alloc());
  if (!p) throw_errno(std::string("allocating nft ") + Kind::kWhat, ENOMEM);
  return p;
}

// Dumps every object of one kind in table inet socketbox.
template <typename Kind>
std::vector<typename Kind::Ptr> dump(NftReader& r) {
  std::vector<typename Kind::Ptr> out;
  const std::string what = std::string("the ") + Kind::kWhat + " of table inet socketbox";
  const int err = r.talk(
      Kind::kMsg, NLM_F_DUMP,
      [](nlmsghdr* nlh) {
        auto query = alloc_object<Kind>();
        Kind::set_table(query.get());
        Kind::build(nlh, query.get());
      },
      [&](const nlmsghdr* nlh) {
        auto o = alloc_object<Kind>();
        if (Kind::parse(nlh, o.get()) < 0) return;
        const char* t = Kind::table_of(o.get());
        if (!t || std::string(t) != kTableName) return;  // older kernels ignore the filter
        Kind::tidy(o);
        out.push_back(std::move(o));
      },
      what.c_str());
  if (err) throw_errno("reading " + what, err);
  return out;
}

// The table itself: nullopt when it does not exist.
std::optional<TablePtr> read_table(NftReader& r) {
  TablePtr table(nftnl_table_alloc());
  if (!table) throw_errno("allocating nft table", ENOMEM);
  bool found = false;
  const int err = r.talk(
      NFT_MSG_GETTABLE, 0,
      [](nlmsghdr* nlh) {
        TablePtr t(nftnl_table_alloc());
        if (!t) throw_errno("allocating nft table", ENOMEM);
        nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
        nftnl_table_nlmsg_build_payload(nlh, t.get());
      },
      [&](const nlmsghdr* nlh) { found = nftnl_table_nlmsg_parse(nlh, table.get()) == 0; },
      "the socketbox table");
  if (err == ENOENT) return std::nullopt;
  if (err) throw_errno("reading the nft table inet socketbox", err);
  if (!found) throw_error("reading the nft table inet socketbox: no answer");
  nftnl_table_unset(table.get(), NFTNL_TABLE_HANDLE);
  nftnl_table_unset(table.get(), NFTNL_TABLE_USE);
  return table;
}

// Fills each set with its elements and numbers the sets as a build does.
void read_elements(NftReader& r, std::vector<SetPtr>& sets) {
  std::uint32_t set_id = 1;
  for (auto& s : sets) {
    const std::string name = nftnl_set_get_str(s.get(), NFTNL_SET_NAME);
    nftnl_set* set = s.get();
    // A dynamic set's elements are made by packets (one per source prefix of
    // a limit): never state to compare or to load back.
    if (nftnl_set_get_u32(set, NFTNL_SET_FLAGS) & NFT_SET_EVAL) {
      nftnl_set_unset(set, NFTNL_SET_HANDLE);
      nftnl_set_set_u32(set, NFTNL_SET_ID, set_id++);
      continue;
    }
    const int err = r.talk(
        NFT_MSG_GETSETELEM, NLM_F_DUMP,
        [&](nlmsghdr* nlh) {
          auto q = alloc_object<SetKind>();
          nftnl_set_set_str(q.get(), NFTNL_SET_TABLE, kTableName);
          nftnl_set_set_str(q.get(), NFTNL_SET_NAME, name.c_str());
          nftnl_set_elems_nlmsg_build_payload(nlh, q.get());
        },
        [&](const nlmsghdr* nlh) { nftnl_set_elems_nlmsg_parse(nlh, set); }, "set elements");
    if (err) throw_errno("reading the elements of set " + name, err);
    nftnl_set_unset(set, NFTNL_SET_HANDLE);
    nftnl_set_set_u32(set, NFTNL_SET_ID, set_id++);
  }
}

std::optional<NftObjects> read_once(NftReader& r) {
  auto table = read_table(r);
  if (!table) return std::nullopt;
  NftObjects o;
  o.table = std::move(*table);
  o.chains = dump<ChainKind>(r);
  o.sets = dump<SetKind>(r);
  read_elements(r, o.sets);
  o.rules = dump<RuleKind>(r);
  return o;
}

}  // namespace

NftSnapshot read_nft_table(NftMonitor* monitor) {
  std::optional<NftMonitor> own;
  if (!monitor) monitor = &own.emplace();
  for (int attempt = 0; attempt < 10; ++attempt) {
    try {
      NftReader reader;  // fresh socket: no answers left over from an interrupted dump
      monitor->forget();
      auto snapshot = read_once(reader);
      const std::uint32_t generation = read_genid(reader);
      // Consistent if what was committed since forget() (also a commit
      // already under way then) touched only other tables: the table read is
      // then the table at `generation`. With nothing committed this asks
      // nothing of the kernel.
      if (monitor->untouched_through(generation))
        return NftSnapshot{std::move(snapshot), generation};
    } catch (const Interrupted&) {
    }
  }
  throw_error("reading the nft table inet socketbox: the ruleset kept changing while it was read");
}

std::uint32_t read_nft_generation() {
  NftReader reader;
  return read_genid(reader);
}

}  // namespace socketbox::netcfg
