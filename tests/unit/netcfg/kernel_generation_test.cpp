// The nft batch carries the generation its snapshot was read at, so a
// concurrent change between reading and replacing is refused, not lost.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "kernel_support.hpp"
#include "socketbox/netcfg/nft_steps.hpp"
#include "socketbox/netcfg/retry.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

TEST_CASE("a table replace is refused if the ruleset changed since it was read") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  DesiredState d;
  d.steers.push_back({{P("192.0.2.0/24")}, {{80, 80}}});
  const NftSnapshot snap = read_nft_table();
  CHECK_FALSE(snap.table);
  ns.sh("nft add table inet filter");  // someone else, in between
  NftObjects objs = build_nft(d);
  try {
    replace_nft_table(&objs, snap.generation);
    FAIL("replace did not fail");
  } catch (const ConcurrentChange& e) {
    CHECK(std::string(e.what()).find("the ruleset changed since it was read") != std::string::npos);
  }
  CHECK(sbtest::nft_listing(ns).empty());
  // Read again and it goes through.
  replace_nft_table(&objs, read_nft_table().generation);
  CHECK(sbtest::nft_listing(ns) == sbtest::render_body(d));
}

TEST_CASE("the generation is read in full and counts every commit") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  const std::uint32_t g0 = read_nft_generation();
  CHECK(read_nft_table().generation == g0);
  ns.sh("nft add table inet sbgen0; nft delete table inet sbgen0");
  CHECK(read_nft_generation() == g0 + 2);
  // A batch carrying the generation just read goes through.
  DesiredState d;
  d.steers.push_back({{P("192.0.2.0/24")}, {{80, 80}}});
  apply(d);
  CHECK(sbtest::nft_listing(ns) == sbtest::render_body(d));
  CHECK(read_nft_generation() == g0 + 3);
}

// Run by tests/integration/sbctl/generation.sh in a namespace it drove past
// 65,535 commits (hidden: needs that namespace, named in SB_GEN_NETNS).
TEST_CASE("the generation past 16 bits is read in full", "[.generation32]") {
  const char* netns = std::getenv("SB_GEN_NETNS");
  REQUIRE(netns != nullptr);
  NetnsScope in(netns);
  const std::uint32_t g = read_nft_generation();
  INFO("generation " << g);
  CHECK(g > 65535);
  CHECK(read_nft_table().generation == g);
}

TEST_CASE("the monitor tells commits to other tables from changes to socketbox's") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  NftMonitor m;
  CHECK(m.untouched_through(read_nft_generation()));  // nothing committed yet
  ns.sh("nft add table inet firewall; nft add table ip socketbox; nft delete table ip socketbox");
  CHECK(m.untouched_through(read_nft_generation()));  // other tables, other families
  ns.sh("nft add table inet socketbox");
  CHECK_FALSE(m.untouched_through(read_nft_generation()));
  m.forget();  // a new window: the commit seen in full no longer counts
  CHECK(m.untouched_through(read_nft_generation()));
  ns.sh("nft add chain inet socketbox c; nft add table inet other");
  CHECK_FALSE(m.untouched_through(read_nft_generation()));
  m.forget();
  // A read beside another table's commits is consistent and carries the
  // generation the batch is then sent with.
  ns.sh("nft add table inet other2");
  const NftSnapshot snap = read_nft_table(&m);
  REQUIRE(snap.table);
  CHECK(snap.generation == read_nft_generation());
  ns.sh("nft delete table inet other2");  // moves the generation past the snapshot
  NftObjects objs = build_nft(DesiredState{});
  CHECK_THROWS_AS(replace_nft_table(&objs, snap.generation), ConcurrentChange);
  CHECK(m.untouched_through(read_nft_generation()));
  replace_nft_table(&objs, read_nft_generation());
}
