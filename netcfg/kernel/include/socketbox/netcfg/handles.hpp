// RAII owners for every libnftnl, libmnl and libnl handle netcfg touches:
// nothing leaks on any error path.
#pragma once

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <memory>

namespace socketbox::netcfg {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    if (p) Free(p);
  }
};

using TablePtr = std::unique_ptr<nftnl_table, Deleter<nftnl_table_free>>;
using ChainPtr = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain_free>>;
using SetPtr = std::unique_ptr<nftnl_set, Deleter<nftnl_set_free>>;
using SetElemPtr = std::unique_ptr<nftnl_set_elem, Deleter<nftnl_set_elem_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule_free>>;
using ExprPtr = std::unique_ptr<nftnl_expr, Deleter<nftnl_expr_free>>;
using GenPtr = std::unique_ptr<nftnl_gen, Deleter<nftnl_gen_free>>;
using BatchPtr = std::unique_ptr<nftnl_batch, Deleter<nftnl_batch_free>>;
using MnlSocketPtr = std::unique_ptr<mnl_socket, Deleter<mnl_socket_close>>;

using NlSockPtr = std::unique_ptr<nl_sock, Deleter<nl_socket_free>>;
using NlCachePtr = std::unique_ptr<nl_cache, Deleter<nl_cache_free>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route_put>>;
using NexthopPtr = std::unique_ptr<rtnl_nexthop, Deleter<rtnl_route_nh_free>>;
using NlMsgPtr = std::unique_ptr<nl_msg, Deleter<nlmsg_free>>;

}  // namespace socketbox::netcfg
