#include "socketbox/netcfg/routes.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "diff_parts.hpp"
#include "error.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::netcfg {
namespace {

[[noreturn]] void throw_nl(const std::string& what, int err) {
  throw_error(what + ": " + nl_geterror(err));
}

std::size_t addr_len(int family) { return family == AF_INET6 ? 16 : 4; }

std::optional<Prefix> prefix_of(rtnl_route* r) {
  nl_addr* dst = rtnl_route_get_dst(r);
  if (!dst) return std::nullopt;
  const int family = nl_addr_get_family(dst);
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  const unsigned len = nl_addr_get_len(dst);
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(dst));
  if (len > addr_len(family)) return std::nullopt;
  std::array<std::uint8_t, 16> addr{};
  if (bytes) std::copy(bytes, bytes + len, addr.begin());  // a default route has no bytes
  return Prefix::from_kernel(family, addr.data(), nl_addr_get_prefixlen(dst));
}

}  // namespace

namespace {

// Route requests in flight at once. The kernel counts each ack as about
// 1 KiB against the receive buffer; a lost ack only costs a resend.
constexpr std::size_t kBatch = 64;
constexpr int kReceiveBuffer = 1 << 20;

// libnl folds errnos into its own coarser codes; keep the kernel's errno.
// Called by libnl (C); cannot throw.
int record_errno(sockaddr_nl*, nlmsgerr* e, void* arg) noexcept {
  *static_cast<int*>(arg) = -e->error;
  return NL_STOP;
}

}  // namespace

RouteSocket::RouteSocket() : sock_(nl_socket_alloc()) {
  if (!sock_) throw_errno("allocating a netlink socket", ENOMEM);
  if (int err = nl_connect(sock_.get(), NETLINK_ROUTE); err < 0)
    throw_nl("opening an rtnetlink socket", err);
  nl_socket_modify_err_cb(sock_.get(), NL_CB_CUSTOM, record_errno, &last_errno_);
  // Room for a batch of pipelined acks (capped by net.core.rmem_max).
  if (int err = nl_socket_set_buffer_size(sock_.get(), kReceiveBuffer, 0); err < 0)
    throw_nl("sizing an rtnetlink socket", err);
  lo_ = static_cast<int>(if_nametoindex("lo"));
  if (lo_ == 0) throw_errno("looking up the loopback interface", errno);
}

void RouteSocket::fail(const std::string& what, int nl_err) {
  const int err = last_errno_;
  last_errno_ = 0;
  if (err > 0) throw_errno(what, err);
  throw_nl(what, nl_err);
}

bool RouteSocket::loopback_up() const {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  const UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd || ioctl(fd.get(), SIOCGIFFLAGS, &ifr) < 0) {
    const int err = errno;
    throw_errno(
        fd ? "checking the loopback interface" : "opening a socket to check the loopback interface",
        err);
  }
  return ifr.ifr_flags & IFF_UP;
}

NlCachePtr RouteSocket::dump() {
  nl_cache* cache = nullptr;
  if (int err = rtnl_route_alloc_cache(sock_.get(), AF_UNSPEC, 0, &cache); err < 0)
    throw_nl("reading the routing tables", err);
  return NlCachePtr(cache);
}

namespace {

struct RawDump {
  int lo = 0;
  std::vector<Prefix> ours;
  bool unsure = false;  // a tagged route not plainly of our shape
};

// Called by libmnl (C) for each route of the dump; cannot throw.
int take_route(const nlmsghdr* nlh, void* data) noexcept {
  auto* d = static_cast<RawDump*>(data);
  if (nlh->nlmsg_type != RTM_NEWROUTE) return MNL_CB_OK;
  const auto* rm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rm->rtm_protocol != kRouteProtocol) return MNL_CB_OK;
  std::uint32_t table = rm->rtm_table, oif = 0;
  const void* dst = nullptr;
  std::size_t dst_len = 0;
  bool multipath = false;
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof *rm));
       mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a)));
       a = mnl_attr_next(a)) {
    switch (mnl_attr_get_type(a)) {
      case RTA_TABLE:
        table = mnl_attr_get_u32(a);
        break;
      case RTA_OIF:
        oif = mnl_attr_get_u32(a);
        break;
      case RTA_DST:
        dst = mnl_attr_get_payload(a);
        dst_len = mnl_attr_get_payload_len(a);
        break;
      case RTA_MULTIPATH:
        multipath = true;
        break;
    }
  }
  const std::size_t want = rm->rtm_family == AF_INET6 ? 16 : 4;
  if ((rm->rtm_family != AF_INET && rm->rtm_family != AF_INET6) || table != RT_TABLE_LOCAL ||
      rm->rtm_type != RTN_LOCAL || multipath || oif != static_cast<std::uint32_t>(d->lo) ||
      (dst && dst_len != want) || rm->rtm_dst_len > want * 8) {
    d->unsure = true;
    return MNL_CB_OK;
  }
  std::array<std::uint8_t, 16> addr{};
  if (dst) std::memcpy(addr.data(), dst, dst_len);
  d->ours.push_back(*Prefix::from_kernel(rm->rtm_family, addr.data(), rm->rtm_dst_len));
  return MNL_CB_OK;
}

// socketbox's routes from a dump parsed here, without libnl's cache, which
// spent ~3 us a route hashing and comparing objects (10,000 routes were a
// fifth of a no-change apply). nullopt: a tagged route of another shape or
// an interrupted dump, for libnl's reading to describe.
std::optional<std::vector<Prefix>> raw_local_routes(int lo) {
  const MnlSocketPtr nl(mnl_socket_open(NETLINK_ROUTE));
  if (!nl || mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) return std::nullopt;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  const std::uint32_t seq = 1;
  nlh->nlmsg_seq = seq;
  auto* rm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rm->rtm_family = AF_UNSPEC;
  if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) return std::nullopt;
  const std::uint32_t portid = mnl_socket_get_portid(nl.get());
  RawDump d;
  d.lo = lo;
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    const int ret =
        mnl_cb_run(buf.data(), static_cast<std::size_t>(n), seq, portid, take_route, &d);
    if (ret < 0) return std::nullopt;
    if (ret == MNL_CB_STOP) break;
  }
  if (d.unsure) return std::nullopt;
  std::sort(d.ours.begin(), d.ours.end());
  return std::move(d.ours);
}

}  // namespace

std::vector<Prefix> RouteSocket::read_local_routes(std::vector<std::string>* odd) {
  if (auto fast = raw_local_routes(lo_)) return std::move(*fast);
  NlCachePtr cache = dump();
  std::vector<Prefix> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_protocol(r) != kRouteProtocol) continue;
    auto p = prefix_of(r);
    rtnl_nexthop* nh = rtnl_route_get_nnexthops(r) == 1 ? rtnl_route_nexthop_n(r, 0) : nullptr;
    const bool ours = p && rtnl_route_get_table(r) == RT_TABLE_LOCAL &&
                      rtnl_route_get_type(r) == RTN_LOCAL && nh &&
                      rtnl_route_nh_get_ifindex(nh) == lo_;
    if (ours) {
      out.push_back(*p);
    } else if (odd) {
      char buf[256];
      nl_object_dump_buf(o, buf, sizeof buf);
      std::string s = buf;
      std::replace(s.begin(), s.end(), '\n', ' ');
      odd->push_back("route tagged proto " + std::to_string(kRouteProtocol) +
                     " but not socketbox's shape: " + s);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

RoutePtr local_route(const Prefix& prefix, int lo) {
  const net::KernelPrefix p = prefix.kernel();
  RoutePtr r(rtnl_route_alloc());
  if (!r) throw_errno("allocating a route", ENOMEM);
  NlAddrPtr dst(nl_addr_build(p.family, p.addr.data(), addr_len(p.family)));
  if (!dst) throw_errno("allocating an address", ENOMEM);
  nl_addr_set_prefixlen(dst.get(), p.len);
  rtnl_route_set_family(r.get(), static_cast<std::uint8_t>(p.family));
  rtnl_route_set_dst(r.get(), dst.get());  // takes its own reference
  rtnl_route_set_table(r.get(), RT_TABLE_LOCAL);
  rtnl_route_set_type(r.get(), RTN_LOCAL);
  rtnl_route_set_scope(r.get(), RT_SCOPE_HOST);
  rtnl_route_set_protocol(r.get(), kRouteProtocol);
  NexthopPtr nh(rtnl_route_nh_alloc());
  if (!nh) throw_errno("allocating a next hop", ENOMEM);
  rtnl_route_nh_set_ifindex(nh.get(), lo);
  rtnl_route_add_nexthop(r.get(), nh.release());  // the route owns it now
  return r;
}

// The local routes for ps, owned, and as the raw pointers a batch request takes.
struct LocalRoutes {
  LocalRoutes(const std::vector<Prefix>& ps, int lo) {
    owned.reserve(ps.size());
    routes.reserve(ps.size());
    for (const auto& p : ps) {
      owned.push_back(local_route(p, lo));
      routes.push_back(owned.back().get());
    }
  }
  std::vector<RoutePtr> owned;
  std::vector<rtnl_route*> routes;
};

}  // namespace

bool RouteSocket::add_local_route(const Prefix& p) {
  RoutePtr r = local_route(p, lo_);
  last_errno_ = 0;
  if (int err = rtnl_route_add(sock_.get(), r.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    const bool exists = err == -NLE_EXIST || last_errno_ == EEXIST;
    if (exists) {
      // Ours already (made since the routes were read): the goal is reached.
      last_errno_ = 0;
      const std::vector<Prefix> ours = read_local_routes();
      if (std::binary_search(ours.begin(), ours.end(), p)) return false;
      last_errno_ = EEXIST;
    }
    fail("adding " + route_text(p) +
             (exists ? " (a route for this prefix that is not socketbox's is in the way)" : ""),
         err);
  }
  return true;
}

bool RouteSocket::delete_local_route(const Prefix& p) {
  RoutePtr r = local_route(p, lo_);  // protocol 91: the kernel deletes only ours
  last_errno_ = 0;
  if (int err = rtnl_route_delete(sock_.get(), r.get(), 0); err < 0) {
    // Gone already (another tool removed it since it was read): the goal is reached.
    if (last_errno_ == ESRCH || err == -NLE_OBJ_NOTFOUND) {
      last_errno_ = 0;
      return false;
    }
    fail("removing " + route_text(p), err);
  }
  return true;
}

std::vector<int> RouteSocket::request_batch(const std::vector<rtnl_route*>& routes,
                                            std::size_t first, std::size_t n, bool add) {
  std::string out;
  const std::uint32_t seq0 = 1;  // acks of earlier batches are all read
  for (std::size_t i = 0; i < n; ++i) {
    nl_msg* raw = nullptr;
    rtnl_route* r = routes[first + i];
    const int err = add ? rtnl_route_build_add_request(r, NLM_F_CREATE | NLM_F_EXCL, &raw)
                        : rtnl_route_build_del_request(r, 0, &raw);
    const NlMsgPtr m(raw);
    if (err < 0) throw_nl("building a route request", err);
    // Numbered here, not by nl_complete_msg(): libnl's own counters must
    // stay in step with its blocking calls on this socket.
    nlmsghdr* h = nlmsg_hdr(m.get());
    h->nlmsg_pid = nl_socket_get_local_port(sock_.get());
    h->nlmsg_seq = seq0 + static_cast<std::uint32_t>(i);
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    out.append(reinterpret_cast<const char*>(h), NLMSG_ALIGN(h->nlmsg_len));
  }
  if (int err = nl_sendto(sock_.get(), out.data(), out.size()); err < 0)
    throw_nl("sending route requests", err);

  // rtnetlink handles the requests within sendmsg: every ack is queued by
  // now, or was dropped when the receive buffer was full.
  std::vector<int> errs(n, -1);
  std::size_t pending = n;
  alignas(nlmsghdr) char buf[8192];
  const int fd = nl_socket_get_fd(sock_.get());
  while (pending > 0) {
    const ssize_t got = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got < 0 && (errno == EINTR || errno == ENOBUFS)) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (got < 0) throw_errno("reading route acknowledgements", errno);
    int len = static_cast<int>(got);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      const std::uint32_t at = h->nlmsg_seq - seq0;
      if (h->nlmsg_type != NLMSG_ERROR || at >= n || errs[at] != -1) continue;
      errs[at] = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
      --pending;
    }
  }
  // Lost acks: the kernel did handle those requests, so asking again finds
  // them done (EEXIST, ESRCH), which counts as done.
  for (std::size_t i = 0; i < n && pending > 0; ++i) {
    if (errs[i] != -1) continue;
    rtnl_route* r = routes[first + i];
    last_errno_ = 0;
    const int err = add ? rtnl_route_add(sock_.get(), r, NLM_F_CREATE | NLM_F_EXCL)
                        : rtnl_route_delete(sock_.get(), r, 0);
    const int e = err >= 0 ? 0 : last_errno_;
    last_errno_ = 0;
    if (err < 0 && e <= 0) throw_nl(add ? "adding a route" : "removing a route", err);
    errs[i] = (add && e == EEXIST) || (!add && (e == ESRCH || e == ENOENT)) ? 0 : e;
    --pending;
  }
  return errs;
}

void RouteSocket::add_local_routes(const std::vector<Prefix>& ps, std::vector<Prefix>& done,
                                   const std::function<void()>& after_batch) {
  const LocalRoutes local(ps, lo_);
  const auto& routes = local.routes;
  for (std::size_t first = 0; first < ps.size(); first += kBatch) {
    const std::size_t n = std::min(kBatch, ps.size() - first);
    const std::vector<int> errs = request_batch(routes, first, n, true);
    std::optional<std::vector<Prefix>> ours;  // read only when needed
    std::optional<std::size_t> failed;
    bool in_the_way = false;
    for (std::size_t i = 0; i < n; ++i) {
      const Prefix& p = ps[first + i];
      if (errs[i] == 0) {
        done.push_back(p);
        continue;
      }
      if (failed) continue;
      if (errs[i] == EEXIST) {
        // Ours already (made since the routes were read): the goal is reached.
        if (!ours) ours = read_local_routes();
        if (std::binary_search(ours->begin(), ours->end(), p)) continue;
        in_the_way = true;
      }
      failed = i;
    }
    if (failed)
      throw_errno(
          "adding " + route_text(ps[first + *failed]) +
              (in_the_way ? " (a route for this prefix that is not socketbox's is in the way)"
                          : ""),
          errs[*failed]);
    if (after_batch) after_batch();
  }
}

void RouteSocket::delete_local_routes(const std::vector<Prefix>& ps, std::vector<Prefix>& done,
                                      const std::function<void()>& after_batch) {
  const LocalRoutes local(ps, lo_);  // protocol 91: the kernel deletes only ours
  const auto& routes = local.routes;
  for (std::size_t first = 0; first < ps.size(); first += kBatch) {
    const std::size_t n = std::min(kBatch, ps.size() - first);
    const std::vector<int> errs = request_batch(routes, first, n, false);
    std::optional<std::size_t> failed;
    for (std::size_t i = 0; i < n; ++i) {
      if (errs[i] == 0) done.push_back(ps[first + i]);
      // Gone already (another tool removed it since it was read): the goal is reached.
      else if (errs[i] != ESRCH && errs[i] != ENOENT && !failed)
        failed = i;
    }
    if (failed) throw_errno("removing " + route_text(ps[first + *failed]), errs[*failed]);
    if (after_batch) after_batch();
  }
}

void RouteSocket::delete_all_tagged() {
  NlCachePtr cache = dump();
  std::vector<rtnl_route*> routes;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_protocol(r) == kRouteProtocol) routes.push_back(r);
  }
  for (std::size_t first = 0; first < routes.size(); first += kBatch) {
    const std::size_t n = std::min(kBatch, routes.size() - first);
    const std::vector<int> errs = request_batch(routes, first, n, false);
    for (std::size_t i = 0; i < n; ++i) {
      // Already gone (e.g. with its device) is fine.
      if (errs[i] == 0 || errs[i] == ESRCH || errs[i] == ENOENT) continue;
      auto p = prefix_of(routes[first + i]);
      throw_errno("removing route " + (p ? p->str() : std::string("?")) + " (proto " +
                      std::to_string(kRouteProtocol) + ")",
                  errs[i]);
    }
  }
}

}  // namespace socketbox::netcfg
