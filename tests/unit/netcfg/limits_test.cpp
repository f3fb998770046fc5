// Per-source limits without a kernel: set names, normal form, text, diff.
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "model_support.hpp"
#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_layout.hpp"

using namespace socketbox::netcfg;
namespace layout = socketbox::netcfg::layout;

namespace {
using model_test::P;
}  // namespace

TEST_CASE("limit set names map back to their steer block and kind") {
  using layout::SetKind;
  for (const SetKind k : {SetKind::V6, SetKind::V4, SetKind::Ports, SetKind::ConnV6,
                          SetKind::ConnV4, SetKind::RateV6, SetKind::RateV4})
    for (const std::size_t n : {0u, 7u, 12u}) {
      const auto ref = layout::parse_set_name(layout::set_name(n, k));
      REQUIRE(ref);
      CHECK(ref->steer == n);
      CHECK(ref->kind == k);
    }
  CHECK(layout::set_name(3, SetKind::ConnV6) == "s3c6");
  CHECK(layout::set_name(0, SetKind::RateV4) == "s0r4");
  for (const char* bad : {"sc6", "s0cp", "s01c6", "s0x6", "t0c6", "s0c", "s0rp"})
    CHECK_FALSE(layout::parse_set_name(bad));
}

TEST_CASE("source prefix masks") {
  CHECK(layout::prefix_mask(64, 16)[7] == 0xff);
  CHECK(layout::prefix_mask(64, 16)[8] == 0);
  CHECK(layout::prefix_mask(20, 4)[2] == 0xf0);
  CHECK(layout::prefix_mask(32, 4)[3] == 0xff);
  CHECK(layout::rate_timeout_ms(1) == 60000);
  CHECK(layout::rate_timeout_ms(3600) == 7200000);
}

TEST_CASE("limits in normal form keep only what reaches the kernel") {
  DesiredState d;
  Steer v6only({P("fd01:db8:1:40::/64")});
  v6only.limits.max_conn = 5;
  v6only.limits.prefix4 = 24;  // no IPv4 prefix: nowhere to put it
  v6only.limits.burst = 9;     // no rate: nowhere to put it
  d.steers.push_back(v6only);
  Steer none({P("192.0.2.0/24")});
  none.limits.prefix6 = 48;
  d.steers.push_back(none);
  const DesiredState n = normalize(d);
  CHECK(n.steers[0].limits.max_conn == 5);
  CHECK(n.steers[0].limits.prefix4 == 32);
  CHECK(n.steers[0].limits.burst == 5);
  CHECK(n.steers[1].limits == SourceLimits{});
}

TEST_CASE("limits as text and in diff") {
  SourceLimits l;
  CHECK(to_string(l) == "none");
  l.max_conn = 20;
  CHECK(to_string(l) == "max 20 connections per source /64 (IPv6), /32 (IPv4)");
  l.rate = 100;
  l.rate_unit = 60;
  l.burst = 40;
  l.prefix6 = 56;
  CHECK(to_string(l) ==
        "max 20 connections, rate 100/minute burst 40 per source /56 (IPv6), /32 (IPv4)");

  DesiredState want;
  want.steers.push_back(Steer({P("fd01:db8:1:40::/64"), P("192.0.2.0/24")}, {}, l));
  KernelState have;
  have.table_present = true;
  have.steering.steers.push_back(Steer({P("fd01:db8:1:40::/64"), P("192.0.2.0/24")}));
  have.routes = {P("192.0.2.0/24"), P("fd01:db8:1:40::/64")};
  auto changes = diff(want, have);
  REQUIRE(changes.size() == 1);
  CHECK(to_string(changes[0]) == "+ nft limits in steer 0: " + to_string(l));
  have.steering = want;
  CHECK(diff(want, have).empty());
  have.steering.steers[0].limits.max_conn = 10;
  changes = diff(want, have);
  REQUIRE(changes.size() == 1);
  CHECK(to_string(changes[0]).rfind("~ nft limits in steer 0: max 10 connections", 0) == 0);
  changes = diff(DesiredState{{Steer({P("fd01:db8:1:40::/64"), P("192.0.2.0/24")})}}, have);
  REQUIRE(changes.size() == 1);
  CHECK(to_string(changes[0]).rfind("- nft limits in steer 0: max 10 connections", 0) == 0);

  // The nft text names the sets and statements of every limited family.
  const std::string nft = render_nft(want);
  CHECK(nft.find("set s0c6") != std::string::npos);
  CHECK(nft.find("set s0r4") != std::string::npos);
  CHECK(nft.find("update @s0r6 { ip6 saddr & ffff:ffff:ffff:ff00:: limit rate over 100/minute "
                 "burst 40 packets }") != std::string::npos);
  CHECK(nft.find("add @s0c4 { ip saddr ct count over 20 }") != std::string::npos);
}
