#include <catch2/catch.hpp>

#include "active_table.hpp"
#include "socketbox/table/parser.hpp"

using socketbox::daemon::table_warnings;
namespace tbl = socketbox::table;

TEST_CASE("table warnings: jump-fd descriptors that are not open") {
  const tbl::Table t = tbl::parse_table(
      "rule-set:0\nport:3 jump-fd:2\nport:4 jump-fd:987654\ndefault jump-map:1\n"
      "map-set:1 match-lport\nport:5 jump-fd:987655\ndefault jump-unix:/ok.sock\n");
  const auto w = table_warnings(t);
  REQUIRE(w.size() == 2);
  CHECK(w[0] ==
        "jump-fd:987654 is not an open descriptor of sbd; connections sent there will fail");
  CHECK(w[1].rfind("jump-fd:987655 ", 0) == 0);
  CHECK(table_warnings(tbl::parse_table("rule-set:0\ndefault jump-unix:/a\n")).empty());
}
