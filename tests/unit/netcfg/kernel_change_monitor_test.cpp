// ChangeMonitor against the kernel: what other tools commit to their own
// tables and routes is not reported; changes to socketbox's table and its
// protocol-91 routes are.
#include <poll.h>

#include <catch2/catch.hpp>
#include <string>

#include "kernel_support.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

namespace {

// Waits (bounded) for notifications, reads them all: true if one concerned
// socketbox. A command's notifications are queued before it returns, so
// what is there after a short wait is all of it.
bool concerned(ChangeMonitor& m) {
  bool any = false;
  const auto fds = m.fds();
  pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
  while (::poll(p, 2, 200) > 0) {
    for (auto& x : p)
      if (x.revents & POLLIN) any = m.take(x.fd) || any;
  }
  return any;
}

}  // namespace

TEST_CASE("the change monitor reports socketbox's objects, not other tools'") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  ChangeMonitor m;
  CHECK_FALSE(concerned(m));

  ns.sh("nft add table inet f2b-table");
  ns.sh("nft add set inet f2b-table ban \"{ type ipv4_addr; }\"");
  ns.sh("nft add element inet f2b-table ban \"{ 198.51.100.7 }\"");
  ns.sh("ip route add local 198.51.100.0/24 dev lo proto 92 table main");
  CHECK_FALSE(concerned(m));

  DesiredState d;
  d.steers.push_back({{P("192.0.2.0/24"), P("fd01:db8:1:40::/64")}, {{80, 80}}});
  apply(d);
  CHECK(concerned(m));  // its own apply too: the caller decides what is drift

  ns.sh("nft add table inet other");
  CHECK_FALSE(concerned(m));
  ns.sh("nft flush ruleset");
  CHECK(concerned(m));

  apply(d);
  (void)concerned(m);
  ns.sh("ip -6 route del local fd01:db8:1:40::/64 dev lo table local proto 91");
  CHECK(concerned(m));
  ns.sh("ip route del local 198.51.100.0/24 dev lo proto 92 table main");
  CHECK_FALSE(concerned(m));
}
