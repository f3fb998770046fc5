#include <catch2/catch.hpp>

#include "model_support.hpp"
#include "socketbox/netcfg/model.hpp"

using namespace socketbox::netcfg;

namespace {
using model_test::P;

std::string error_of(const DesiredState& d) {
  try {
    validate(d);
  } catch (const NetcfgError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("normalize sorts and de-duplicates prefixes and ports") {
  DesiredState d;
  d.steers.push_back(
      {{P("fd00::/64"), P("192.0.2.0/24"), P("fd00::/64")}, {{443, 443}, {22, 22}, {443, 443}}});
  DesiredState n = normalize(d);
  REQUIRE(n.steers[0].prefixes.size() == 2);
  CHECK(n.steers[0].prefixes[0].str() == "192.0.2.0/24");
  CHECK(n.steers[0].prefixes[1].str() == "fd00::/64");
  CHECK(n.steers[0].ports == std::vector<PortRange>{{22, 22}, {443, 443}});
}

TEST_CASE("validate accepts a good state and names each problem") {
  DesiredState good;
  good.steers.push_back({{P("fd01:db8:1:40::/64"), P("192.0.2.0/24")}, {{22, 22}, {8000, 8100}}});
  good.steers.push_back({{P("192.0.2.0/25")}, {}});  // overlap across blocks is fine
  CHECK(error_of(good).empty());

  DesiredState empty_block;
  empty_block.steers.push_back({});
  CHECK(error_of(empty_block) == "steer 0: no prefixes to steer");

  DesiredState overlap;
  overlap.steers.push_back({{P("192.0.2.0/24"), P("192.0.2.128/25")}, {}});
  CHECK(error_of(overlap) == "steer 0: prefixes 192.0.2.0/24 and 192.0.2.128/25 overlap");

  DesiredState ports;
  ports.steers.push_back({{P("192.0.2.0/24")}, {{80, 90}, {85, 85}}});
  CHECK(error_of(ports) == "steer 0: ports 80-90 and 85 overlap");

  DesiredState backwards;
  backwards.steers.push_back({{P("192.0.2.0/24")}, {{90, 80}}});
  CHECK(error_of(backwards) == "steer 0: port range 90-80 is backwards");

  DesiredState port0;
  port0.tproxy_port = 0;
  CHECK(error_of(port0) == "tproxy port 0 is not a port sbd can listen on");
}

TEST_CASE("Change lines carry their sign") {
  CHECK(to_string({Change::Kind::Add, "route local 192.0.2.0/24 dev lo"}) ==
        "+ route local 192.0.2.0/24 dev lo");
  CHECK(to_string({Change::Kind::Remove, "nft element 192.0.2.0/24 in steer 0"}) ==
        "- nft element 192.0.2.0/24 in steer 0");
  CHECK(to_string({Change::Kind::Modify, "tproxy port 1 -> 2"}) == "~ tproxy port 1 -> 2");
}
