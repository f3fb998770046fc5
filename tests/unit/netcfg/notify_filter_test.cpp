// Which netlink notifications sbctl watch treats as touching socketbox: the
// table inet socketbox and its objects, routes tagged 91, and a new local
// route in table local (it may have replaced one of ours); nothing else.
#include "socketbox/netcfg/notify_filter.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

using namespace socketbox::netcfg;

namespace {

// A recv() buffer of notifications, built as the kernel sends them.
struct Batch {
  std::vector<char> buf = std::vector<char>(8192);
  std::size_t used = 0;

  nlmsghdr* next(std::uint16_t type) {
    auto* nlh = mnl_nlmsg_put_header(buf.data() + used);
    nlh->nlmsg_type = type;
    return nlh;
  }
  void done(nlmsghdr* nlh) { used += MNL_ALIGN(nlh->nlmsg_len); }

  // An nf_tables message of `msg` naming `table` in `family`.
  Batch& nft(int msg, int family, const char* table) {
    auto* nlh = next(static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg));
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = static_cast<std::uint8_t>(family);
    if (table) mnl_attr_put_strz(nlh, 1, table);
    done(nlh);
    return *this;
  }
  Batch& newgen(std::uint32_t gen) {
    auto* nlh = next(static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN));
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, NFTA_GEN_ID, htonl(gen));
    done(nlh);
    return *this;
  }
  Batch& route(std::uint16_t type, int family, std::uint8_t table, std::uint8_t rtype,
               std::uint8_t proto) {
    auto* nlh = next(type);
    auto* rt = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rt->rtm_family = static_cast<std::uint8_t>(family);
    rt->rtm_table = table;
    rt->rtm_type = rtype;
    rt->rtm_protocol = proto;
    rt->rtm_dst_len = 24;
    done(nlh);
    return *this;
  }
  bool nft_ours() const { return nft_batch_concerns_socketbox(buf.data(), used); }
  bool route_ours() const { return route_batch_concerns_socketbox(buf.data(), used); }
};

}  // namespace

TEST_CASE("nf_tables: every object of table inet socketbox concerns socketbox") {
  for (const int msg :
       {NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_DELCHAIN, NFT_MSG_NEWRULE,
        NFT_MSG_DELRULE, NFT_MSG_NEWSET, NFT_MSG_DELSET, NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM}) {
    Batch b;
    b.nft(msg, NFPROTO_INET, "socketbox").newgen(7);
    CHECK(b.nft_ours());
  }
}

TEST_CASE("nf_tables: other tables, other families and generation markers do not") {
  CHECK_FALSE(Batch().nft(NFT_MSG_DELTABLE, NFPROTO_INET, "firewalld").newgen(8).nft_ours());
  CHECK_FALSE(Batch().nft(NFT_MSG_NEWRULE, NFPROTO_IPV4, "socketbox").nft_ours());
  CHECK_FALSE(Batch().nft(NFT_MSG_NEWRULE, NFPROTO_IPV6, "socketbox").nft_ours());
  CHECK_FALSE(Batch().nft(NFT_MSG_NEWTABLE, NFPROTO_INET, "socketbox2").nft_ours());
  CHECK_FALSE(Batch().nft(NFT_MSG_NEWTABLE, NFPROTO_INET, "socketbo").nft_ours());
  CHECK_FALSE(Batch().nft(NFT_MSG_NEWTABLE, NFPROTO_INET, nullptr).nft_ours());
  CHECK_FALSE(Batch().newgen(9).nft_ours());
  CHECK_FALSE(Batch().nft_ours());  // an empty read
}

TEST_CASE("nf_tables: a flush of the whole ruleset names socketbox among others") {
  Batch b;
  b.nft(NFT_MSG_DELRULE, NFPROTO_INET, "firewalld")
      .nft(NFT_MSG_DELTABLE, NFPROTO_INET, "firewalld")
      .nft(NFT_MSG_DELTABLE, NFPROTO_IPV4, "nat")
      .nft(NFT_MSG_DELTABLE, NFPROTO_INET, "socketbox")
      .newgen(10);
  CHECK(b.nft_ours());
}

TEST_CASE("nf_tables: a truncated message is not read past its end") {
  Batch b;
  b.nft(NFT_MSG_NEWTABLE, NFPROTO_INET, "socketbox");
  CHECK_FALSE(nft_batch_concerns_socketbox(b.buf.data(), 10));
}

TEST_CASE("routes: protocol 91 concerns socketbox, whichever table and change") {
  CHECK(Batch().route(RTM_DELROUTE, AF_INET6, RT_TABLE_LOCAL, RTN_LOCAL, 91).route_ours());
  CHECK(Batch().route(RTM_NEWROUTE, AF_INET, RT_TABLE_LOCAL, RTN_LOCAL, 91).route_ours());
  CHECK(Batch().route(RTM_DELROUTE, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, 91).route_ours());
}

TEST_CASE("routes: a new local route in table local may have replaced one of ours") {
  CHECK(Batch().route(RTM_NEWROUTE, AF_INET6, RT_TABLE_LOCAL, RTN_LOCAL, RTPROT_BOOT).route_ours());
}

TEST_CASE("routes: other tools' routes do not concern socketbox") {
  CHECK_FALSE(
      Batch().route(RTM_DELROUTE, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, RTPROT_BOOT).route_ours());
  CHECK_FALSE(
      Batch().route(RTM_NEWROUTE, AF_INET6, RT_TABLE_MAIN, RTN_UNICAST, RTPROT_RA).route_ours());
  CHECK_FALSE(
      Batch().route(RTM_DELROUTE, AF_INET, RT_TABLE_LOCAL, RTN_LOCAL, RTPROT_KERNEL).route_ours());
  CHECK_FALSE(Batch()
                  .route(RTM_NEWROUTE, AF_INET, RT_TABLE_LOCAL, RTN_BROADCAST, RTPROT_KERNEL)
                  .route_ours());
  CHECK_FALSE(Batch().route(RTM_NEWROUTE, AF_INET, 100, RTN_UNICAST, 92).route_ours());
}

TEST_CASE("routes: one of ours among others in one read") {
  Batch b;
  b.route(RTM_DELROUTE, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, RTPROT_BOOT)
      .route(RTM_DELROUTE, AF_INET6, RT_TABLE_LOCAL, RTN_LOCAL, 91)
      .route(RTM_DELROUTE, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, RTPROT_DHCP);
  CHECK(b.route_ours());
}
