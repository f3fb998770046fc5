// Per-source limits in the socketbox table: the bytecode equals nft's for
// the same statements, the table reads back as desired (dynamic set contents
// and counters are no drift), and the limits go with their steer block.
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>

#include "kernel_support.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

namespace {

DesiredState limited() {
  DesiredState d;
  Steer a({P("fd01:db8:1:40::/64"), P("192.0.2.0/24")}, {{80, 80}, {443, 443}});
  a.limits.max_conn = 3;
  a.limits.rate = 20;
  a.limits.rate_unit = 1;
  a.limits.prefix6 = 56;
  a.limits.prefix4 = 24;
  d.steers.push_back(a);
  Steer b({P("fd01:db8:1:41::1:10")});
  b.limits.rate = 100;
  b.limits.rate_unit = 60;
  b.limits.burst = 10;
  d.steers.push_back(b);
  Steer c({P("198.51.100.7")});
  c.limits.max_conn = 7;  // prefix4 32: the whole address, no mask
  d.steers.push_back(c);
  return d;
}

using sbtest::read_in;

}  // namespace

TEST_CASE("limits load the same bytecode nft makes of render_nft's text") {
  SB_REQUIRE_KERNEL();
  TestNetns ours("o"), theirs("t");
  const DesiredState d = limited();
  {
    NetnsScope in(ours.name());
    apply(d);
  }
  REQUIRE(sbtest::load_rendered(theirs, d).rc == 0);
  auto dump = [](const TestNetns& ns) {
    std::string out = ns.sh("nft --debug=netlink list chain inet socketbox prerouting");
    for (const char* set : {"s0c6", "s0r6", "s0c4", "s0r4", "s1r6", "s2c4"})
      out += ns.sh(std::string("nft --debug=netlink list set inet socketbox ") + set);
    return out;
  };
  const std::string a = dump(ours), b = dump(theirs);
  CHECK(a == b);
  CHECK(a.find("expr [ connlimit count 3 flags 1 ]") != std::string::npos);
  CHECK(a.find("limit rate 100/minute burst 10 type packets flags 0x1") != std::string::npos);
  // What nft lists of our table is what render_nft wrote.
  CHECK(sbtest::nft_listing(ours) == sbtest::nft_listing(theirs));
}

TEST_CASE("limits read back as desired, with their trip counters") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const DesiredState d = limited();
  {
    NetnsScope in(ns.name());
    apply(d);
  }
  sbtest::require_steering_holds(ns, d);
  const KernelState k = read_in(ns);
  // One counter per limit rule: steer 0 has two per family, 1 and 2 one each.
  REQUIRE(k.limit_trips.size() == 6);
  for (const auto& t : k.limit_trips) CHECK(t.packets == 0);
  CHECK(k.limit_trips[0] == LimitTrips{0, AF_INET6, LimitTrips::Kind::Conn, 0});
  CHECK(k.limit_trips[5] == LimitTrips{2, AF_INET, LimitTrips::Kind::Conn, 0});

  // Elements a packet would add are no drift.
  ns.sh("nft add element inet socketbox s0r6 { fd01:db8:7:: }");
  const KernelState after = read_in(ns);
  CHECK(after.unrecognized.empty());
  CHECK(diff(d, after).empty());
  CHECK(object_drift(d, after).empty());
  {
    NetnsScope in(ns.name());
    apply(d);  // again: nothing to change, so the elements stay
  }
  CHECK(sbtest::nft_listing(ns).find("fd01:db8:7::") != std::string::npos);
}

TEST_CASE("changed and removed limits show in diff and leave the table clean") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const DesiredState d = limited();
  {
    NetnsScope in(ns.name());
    apply(d);
  }
  DesiredState e = d;
  e.steers[0].limits.max_conn = 4;
  e.steers[1].limits = {};
  const auto changes = diff(e, read_in(ns));
  std::vector<std::string> lines;
  for (const auto& c : changes) lines.push_back(to_string(c));
  INFO(lines.size());
  CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
          return l.rfind("~ nft limits in steer 0: max 3 connections", 0) == 0 &&
                 l.find("-> max 4 connections") != std::string::npos;
        }) == 1);
  CHECK(std::find(lines.begin(), lines.end(),
                  "- nft limits in steer 1: rate 100/minute burst 10 per source /64 (IPv6), /32 "
                  "(IPv4)") != lines.end());
  {
    NetnsScope in(ns.name());
    apply(e);
  }
  sbtest::require_steering_holds(ns, e);
  CHECK(sbtest::nft_listing(ns).find("s1r6") == std::string::npos);

  // Without limits: no dynamic set, no limit rule.
  DesiredState plain = d;
  for (auto& s : plain.steers) s.limits = {};
  {
    NetnsScope in(ns.name());
    apply(plain);
  }
  sbtest::require_steering_holds(ns, plain);
  const std::string listing = sbtest::nft_listing(ns);
  CHECK(listing.find("dynamic") == std::string::npos);
  CHECK(listing.find("reject") == std::string::npos);
  {
    NetnsScope in(ns.name());
    apply(d);
    remove_all();
  }
  CHECK(sbtest::nft_listing(ns).empty());
}

TEST_CASE("bad limits are refused before anything changes") {
  DesiredState d = limited();
  d.steers[0].limits.prefix6 = 0;
  CHECK_THROWS_AS(validate(d), NetcfgError);
  d = limited();
  d.steers[0].limits.prefix4 = 33;
  CHECK_THROWS_AS(validate(d), NetcfgError);
  d = limited();
  d.steers[1].limits.rate_unit = 7;
  CHECK_THROWS_AS(validate(d), NetcfgError);
  d = limited();
  d.steers[1].limits.burst = 0;
  CHECK_THROWS_AS(validate(d), NetcfgError);
  CHECK_NOTHROW(validate(limited()));
}

TEST_CASE("limits with local clients read back as desired") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  DesiredState d = limited();
  d.local_clients = true;
  {
    NetnsScope in(ns.name());
    apply(d);
  }
  sbtest::require_steering_holds(ns, d);
  CHECK(read_in(ns).steering.local_clients);
}
