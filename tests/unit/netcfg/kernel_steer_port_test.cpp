// A steer block with its own TPROXY port in a real kernel: the bytecode
// equals nft's for render_nft's text, the table reads back as desired (the
// block's port from its counter, the main port from the other blocks), and a
// changed own port is one Modify.
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>

#include "kernel_support.hpp"
#include "model_support.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

namespace {

// Block 0 to a listener on 8080 (with limits: their rules stay as they are),
// block 1 to the main port, block 2 to its own port equal to the main one.
DesiredState own_ports() {
  DesiredState d;
  Steer a({P("fd01:db8:1:40::1"), P("192.0.2.1")}, {{443, 443}}, {}, 8080);
  a.limits.max_conn = 3;
  d.steers.push_back(a);
  d.steers.push_back({{P("fd01:db8:1:41::/64"), P("198.51.100.0/24")}, {}});
  d.steers.push_back({{P("203.0.113.7")}, {{80, 80}}, {}, 7});
  d.tproxy_port = 7;
  return d;
}

using sbtest::read_in;

using model_test::lines;

}  // namespace

TEST_CASE("own ports load the same bytecode nft makes of render_nft's text") {
  SB_REQUIRE_KERNEL();
  TestNetns ours("o"), theirs("t");
  const DesiredState d = own_ports();
  {
    NetnsScope in(ours.name());
    apply(d);
  }
  REQUIRE(sbtest::load_rendered(theirs, d).rc == 0);
  const std::string a = ours.sh("nft --debug=netlink list chain inet socketbox prerouting");
  CHECK(a == theirs.sh("nft --debug=netlink list chain inet socketbox prerouting"));
  // Block 0's two TPROXY rules and block 2's one count; block 1's do not.
  const std::string counted = "[ counter pkts 0 bytes 0 ]\n  [ immediate reg 1";
  std::size_t tproxy_counters = 0;
  for (auto at = a.find(counted); at != std::string::npos; at = a.find(counted, at + 1))
    ++tproxy_counters;
  CHECK(tproxy_counters == 3);
  CHECK(sbtest::nft_listing(ours) == sbtest::nft_listing(theirs));
}

TEST_CASE("own ports read back as desired, with their counters") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const DesiredState d = own_ports();
  {
    NetnsScope in(ns.name());
    apply(d);
  }
  sbtest::require_steering_holds(ns, d);
  const KernelState k = read_in(ns);
  CHECK(k.steering.tproxy_port == 7);
  REQUIRE(k.steering.steers.size() == 3);
  CHECK(k.steering.steers[0].tproxy_port == 8080);
  CHECK(k.steering.steers[1].tproxy_port == 0);
  CHECK(k.steering.steers[2].tproxy_port == 7);
  CHECK(k.steer_counters == std::vector<SteerCounter>{{0, AF_INET6, 8080, 0, 0},
                                                      {0, AF_INET, 8080, 0, 0},
                                                      {2, AF_INET, 7, 0, 0}});
  CHECK(k.limit_trips.size() == 2);

  // Every block with its own port: no main port to read, none to differ.
  DesiredState all_own = d;
  all_own.steers.erase(all_own.steers.begin() + 1);
  all_own.tproxy_port = 9;
  {
    NetnsScope in(ns.name());
    apply(all_own);
  }
  sbtest::require_steering_holds(ns, all_own);
  CHECK(read_in(ns).steer_counters.size() == 3);
}

TEST_CASE("a changed own port is one Modify and re-applying changes nothing") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const DesiredState d = own_ports();
  NetnsScope in(ns.name());
  apply(d);
  const std::string before = ns.sh("nft -a list table inet socketbox");
  apply(d);
  CHECK(ns.sh("nft -a list table inet socketbox") == before);  // not even reloaded

  DesiredState e = d;
  e.steers[0].tproxy_port = 8081;
  CHECK(lines(diff(e, read_kernel_state())) ==
        std::vector<std::string>{"~ tproxy port in steer 0: 8080 -> 8081"});
  apply(e);
  CHECK(diff(e, read_kernel_state()).empty());
  CHECK(object_drift(e, read_kernel_state()).empty());
  CHECK(sbtest::nft_listing(ns) == sbtest::render_body(e));

  // Back to the main port: its rules lose their counter.
  DesiredState f = e;
  f.steers[0].tproxy_port = 0;
  CHECK(lines(diff(f, read_kernel_state())) ==
        std::vector<std::string>{"~ tproxy port in steer 0: 8081 -> main"});
  apply(f);
  const KernelState k = read_kernel_state();
  CHECK(diff(f, k).empty());
  CHECK(k.steer_counters == std::vector<SteerCounter>{{2, AF_INET, 7, 0, 0}});
}
