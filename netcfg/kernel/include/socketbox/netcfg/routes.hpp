// socketbox's routes through libnl-route-3: `local PREFIX dev lo table local
// scope host proto 91` per steered prefix (AnyIP), so traffic to any
// address of the prefix is delivered locally where TPROXY meets it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "socketbox/netcfg/handles.hpp"
#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

// An rtnetlink socket of the current network namespace.
class RouteSocket {
 public:
  RouteSocket();
  // Routes tagged kRouteProtocol that have socketbox's shape; tagged routes
  // of any other shape are described in *odd (if given).
  std::vector<Prefix> read_local_routes(std::vector<std::string>* odd = nullptr);
  // Both are idempotent, so a route another tool added or removed since it
  // was read is no failure: false = it was already so, nothing was done.
  bool add_local_route(const Prefix& p);
  bool delete_local_route(const Prefix& p);
  // The same for many routes, with requests pipelined (see request_all).
  // Appends each prefix it added (removed) to `done`, also when it throws,
  // so the caller can undo them; throws what the one-by-one call would for
  // the first route, in order, that fails. after_batch runs after each batch.
  void add_local_routes(const std::vector<Prefix>& ps, std::vector<Prefix>& done,
                        const std::function<void()>& after_batch = {});
  void delete_local_routes(const std::vector<Prefix>& ps, std::vector<Prefix>& done,
                           const std::function<void()>& after_batch = {});
  // Every route tagged kRouteProtocol, whatever its shape.
  void delete_all_tagged();
  // Local routes on a loopback that is down are refused by the kernel.
  bool loopback_up() const;

 private:
  // Sends the requests for routes[first, first + n) in one sendmsg and
  // then reads their acks: one round trip per batch rather than per route.
  // Returns the kernel's errno per route (0: done); a request whose ack was
  // lost (receive buffer overrun) is sent again on its own.
  std::vector<int> request_batch(const std::vector<rtnl_route*>& routes, std::size_t first,
                                 std::size_t n, bool add);
  NlCachePtr dump();
  [[noreturn]] void fail(const std::string& what, int nl_err);
  NlSockPtr sock_;
  int lo_ = 0;
  int last_errno_ = 0;  // the kernel's own errno for the last refused request
};

}  // namespace socketbox::netcfg
