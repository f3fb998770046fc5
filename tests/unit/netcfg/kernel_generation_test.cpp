// The nft batch carries the generation its snapshot was read at, so a
// concurrent change between reading and replacing is refused, not lost.
#include <catch2/catch.hpp>

#include "kernel_support.hpp"
#include "nft_build.hpp"
#include "nft_read.hpp"
#include "nft_replace.hpp"

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
  } catch (const NetcfgError& e) {
    CHECK(std::string(e.what()).find("the ruleset changed since it was read; try again") !=
          std::string::npos);
  }
  CHECK(sbtest::nft_listing(ns).empty());
  // Read again and it goes through.
  replace_nft_table(&objs, read_nft_table().generation);
  CHECK(sbtest::nft_listing(ns) == sbtest::render_body(d));
}
