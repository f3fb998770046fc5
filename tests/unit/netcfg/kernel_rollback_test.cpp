// A failing apply leaves the namespace exactly as it was: nft and routes.
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "kernel_support.hpp"
#include "socketbox/netcfg/fault_hook.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

namespace {

DesiredState before_state() {
  DesiredState d;
  d.steers.push_back(
      {{P("fd01:db8:1:40::/64"), P("192.0.2.0/24"), P("198.51.100.0/24")}, {{22, 22}, {443, 443}}});
  return d;
}

// Differs in nft (ports, tproxy port) and in routes (two added, one removed).
DesiredState after_state() {
  DesiredState d;
  d.steers.push_back(
      {{P("fd01:db8:1:40::/64"), P("192.0.2.0/24"), P("203.0.113.0/24"), P("fd01:db8:2::/48")},
       {{80, 80}}});
  d.tproxy_port = 9;
  return d;
}

// Makes apply fail at one named point, through netcfg's test hook, for its
// lifetime.
struct FailAt {
  static inline const char* point = nullptr;
  explicit FailAt(const char* p) {
    point = p;
    set_fault_hook([](const char* at) {
      if (std::string_view(at) == point)
        throw NetcfgError(std::string("injected failure at ") + at);
    });
  }
  ~FailAt() { set_fault_hook(nullptr); }
};

struct Snapshot {
  std::string nft;
  std::string routes;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const TestNetns& ns) {
  return {ns.sh("nft list ruleset"), sbtest::all_local_routes(ns)};
}

void expect_failure_restores(const TestNetns& ns, const char* point) {
  const Snapshot before = snapshot(ns);
  {
    FailAt fail(point);
    NetnsScope in(ns.name());
    try {
      apply(after_state());
      FAIL("apply did not fail");
    } catch (const NetcfgError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find(std::string("injected failure at ") + point) != std::string::npos);
      CHECK(msg.find("the previous nft table and routes were put back") != std::string::npos);
    }
  }
  const Snapshot after = snapshot(ns);
  CHECK(after.nft == before.nft);
  CHECK(after.routes == before.routes);
}

}  // namespace

TEST_CASE("a failure after the nft batch puts the previous table back") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  {
    NetnsScope in(ns.name());
    apply(before_state());
  }
  // A hand-added rule in socketbox's table comes back too: the table read
  // before the change is loaded back as it was.
  ns.sh("nft add rule inet socketbox prerouting tcp dport 25 counter drop");
  expect_failure_restores(ns, "after-nft");
}

TEST_CASE("a failure between route changes undoes route changes and the table") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  {
    NetnsScope in(ns.name());
    apply(before_state());
  }
  expect_failure_restores(ns, "mid-routes");
}

TEST_CASE("a failure on a namespace without socketbox state leaves it without") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  ns.sh("nft add table inet filter");
  expect_failure_restores(ns, "after-nft");
  expect_failure_restores(ns, "mid-routes");
  CHECK(sbtest::nft_listing(ns).empty());
}

TEST_CASE("a real route failure rolls back: a foreign route in the way") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  {
    NetnsScope in(ns.name());
    apply(before_state());
  }
  // after_state wants 203.0.113.0/24; someone else already has that route.
  ns.sh("ip route add local 203.0.113.0/24 dev lo");
  const Snapshot before = snapshot(ns);
  {
    NetnsScope in(ns.name());
    try {
      apply(after_state());
      FAIL("apply did not fail");
    } catch (const NetcfgError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find("adding route local 203.0.113.0/24 dev lo") != std::string::npos);
      CHECK(msg.find("not socketbox's") != std::string::npos);
      CHECK(msg.find("put back") != std::string::npos);
    }
  }
  CHECK(snapshot(ns) == before);
}

// Route requests go out in batches (64 at once) with the acks read after:
// the error is still the failing route's, routes after it in its batch and
// those of earlier batches are undone, later batches never sent.
TEST_CASE("a foreign route in the way deep in a batch of many routes") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  DesiredState many;
  many.steers.push_back({{}, {{443, 443}}});
  for (int i = 0; i < 300; ++i)
    many.steers[0].prefixes.push_back(
        P(("fd01:db8:" + std::to_string(1000 + i) + "::/48").c_str()));  // sorted: 1000..1299
  ns.sh("ip route add local fd01:db8:1100::/48 dev lo");                 // the 101st: second batch
  const Snapshot before = snapshot(ns);
  {
    NetnsScope in(ns.name());
    try {
      apply(many);
      FAIL("apply did not fail");
    } catch (const NetcfgError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find("adding route local fd01:db8:1100::/48 dev lo (a route for this prefix "
                     "that is not socketbox's is in the way): File exists") != std::string::npos);
      CHECK(msg.find("were put back") != std::string::npos);
    }
  }
  CHECK(snapshot(ns) == before);
  // And without the foreign route all 300 go in, then out again.
  ns.sh("ip route del local fd01:db8:1100::/48 dev lo");
  {
    NetnsScope in(ns.name());
    apply(many);
    CHECK(read_kernel_state().routes.size() == 300);
    remove_all();
    CHECK(read_kernel_state().routes.empty());
  }
}

TEST_CASE("an invalid desired state is refused before anything changes") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  DesiredState bad;
  bad.steers.push_back({{P("192.0.2.0/24"), P("192.0.2.0/25")}, {}});
  NetnsScope in(ns.name());
  CHECK_THROWS_WITH(apply(bad), "steer 0: prefixes 192.0.2.0/24 and 192.0.2.0/25 overlap");
  CHECK_FALSE(read_kernel_state().table_present);
}

TEST_CASE("a loopback that is down is refused before anything changes") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  ns.sh("ip link set lo down");
  NetnsScope in(ns.name());
  CHECK_THROWS_WITH(
      apply(before_state()),
      "the loopback interface is down in this network namespace; socketbox's local routes need it "
      "(ip link set lo up)");
  CHECK_FALSE(read_kernel_state().table_present);
}

TEST_CASE("a failure after the nft batch puts back a table with limits") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  DesiredState limited = before_state();
  limited.steers[0].limits.max_conn = 3;
  limited.steers[0].limits.rate = 20;
  {
    NetnsScope in(ns.name());
    apply(limited);
  }
  // The dynamic sets and the rules' dynset statements load back as read.
  expect_failure_restores(ns, "after-nft");
  NetnsScope in(ns.name());
  const KernelState k = read_kernel_state();
  CHECK(k.unrecognized.empty());
  CHECK(diff(limited, k).empty());
}
