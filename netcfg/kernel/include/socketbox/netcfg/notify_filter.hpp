// Which netlink notifications concern socketbox: pure functions over the
// bytes of one recv(), so they are tested without a kernel.
#pragma once

#include <cstddef>

namespace socketbox::netcfg {

// nf_tables notifications (NFNLGRP_NFTABLES): true if any message names
// table inet socketbox (table, chain, rule, set, element, object) or is a
// DELTABLE of it, as `nft flush ruleset` sends for every table. Commits that
// only touch other tables, and NEWGEN markers, are false.
bool nft_batch_concerns_socketbox(const char* buf, std::size_t len);

// rtnetlink route notifications (RTNLGRP_IPV4_ROUTE/IPV6_ROUTE): true if any
// message is a route tagged kRouteProtocol (added, replaced, removed), or a
// new local route in table local, which may have replaced one of ours.
bool route_batch_concerns_socketbox(const char* buf, std::size_t len);

}  // namespace socketbox::netcfg
