#include "socketbox/netcfg/notify_filter.hpp"

#include <arpa/inet.h>  // glibc's netinet/in.h before the kernel's linux/in.h
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {
namespace {

// Every nf_tables object message names its table in attribute 1.
static_assert(NFTA_TABLE_NAME == 1 && NFTA_CHAIN_TABLE == 1 && NFTA_RULE_TABLE == 1 &&
              NFTA_SET_TABLE == 1 && NFTA_SET_ELEM_LIST_TABLE == 1 && NFTA_OBJ_TABLE == 1 &&
              NFTA_FLOWTABLE_TABLE == 1);

bool names_our_table(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg))) return false;
  const auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
  if (nfg->nfgen_family != NFPROTO_INET) return false;
  // mnl_attr_for_each() written out: the macro's void* assignment is not C++.
  const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
       mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)));
       attr = mnl_attr_next(attr)) {
    if (mnl_attr_get_type(attr) != 1) continue;
    return mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
           std::strcmp(mnl_attr_get_str(attr), kTableName) == 0;
  }
  return false;
}

bool ours(const nlmsghdr* nlh) {
  if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES) return false;
  if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWGEN) return false;
  return names_our_table(nlh);
}

bool route_ours(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE) return false;
  if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return false;
  const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rt->rtm_protocol == kRouteProtocol) return true;
  // `ip route replace` of one of ours by another tool: only the new route is told.
  return nlh->nlmsg_type == RTM_NEWROUTE && rt->rtm_table == RT_TABLE_LOCAL &&
         rt->rtm_type == RTN_LOCAL;
}

template <typename Pred>
bool any_message(const char* buf, std::size_t len, Pred pred) {
  int left = static_cast<int>(len);
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf); mnl_nlmsg_ok(nlh, left);
       nlh = mnl_nlmsg_next(nlh, &left))
    if (pred(nlh)) return true;
  return false;
}

}  // namespace

bool nft_batch_concerns_socketbox(const char* buf, std::size_t len) {
  return any_message(buf, len, ours);
}

bool route_batch_concerns_socketbox(const char* buf, std::size_t len) {
  return any_message(buf, len, route_ours);
}

}  // namespace socketbox::netcfg
