#include "routes.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

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
  Prefix p;
  p.family = nl_addr_get_family(dst);
  if (p.family != AF_INET && p.family != AF_INET6) return std::nullopt;
  const unsigned len = nl_addr_get_len(dst);
  const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(dst));
  if (len > addr_len(p.family)) return std::nullopt;
  if (bytes) std::copy(bytes, bytes + len, p.addr.begin());  // a default route has no bytes
  p.len = static_cast<std::uint8_t>(nl_addr_get_prefixlen(dst));
  return p;
}

}  // namespace

std::string route_text(const Prefix& p) { return "route local " + p.str() + " dev lo"; }

namespace {

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

std::vector<Prefix> RouteSocket::read_local_routes(std::vector<std::string>* odd) {
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

RoutePtr local_route(const Prefix& p, int lo) {
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

void RouteSocket::delete_all_tagged() {
  NlCachePtr cache = dump();
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_protocol(r) != kRouteProtocol) continue;
    last_errno_ = 0;
    // Already gone (e.g. with its device) is fine.
    if (int err = rtnl_route_delete(sock_.get(), r, 0);
        err < 0 && last_errno_ != ESRCH && err != -NLE_OBJ_NOTFOUND) {
      auto p = prefix_of(r);
      fail("removing route " + (p ? p->str() : std::string("?")) + " (proto " +
               std::to_string(kRouteProtocol) + ")",
           err);
    }
  }
}

}  // namespace socketbox::netcfg
