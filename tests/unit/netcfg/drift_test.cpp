// object_drift(): each missing, extra or changed object named on its own.
#include <algorithm>
#include <catch2/catch.hpp>

#include "model_support.hpp"
#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_text.hpp"

using namespace socketbox::netcfg;

namespace {
using model_test::lines;
using model_test::P;

DesiredState sample() {
  DesiredState d;
  d.steers.push_back({{P("fd01:db8:1:40::/64"), P("192.0.2.0/24")}, {{22, 22}, {443, 443}}});
  return d;
}

KernelState applied(const DesiredState& d) {
  KernelState k;
  k.table_present = true;
  k.steering = normalize(d);
  k.items = nft_items(d);
  for (const auto& s : d.steers)
    k.routes.insert(k.routes.end(), s.prefixes.begin(), s.prefixes.end());
  std::sort(k.routes.begin(), k.routes.end());
  return k;
}

const char* kRule6 =
    "nft rule iif != \"lo\" ip6 daddr @s06 tcp dport @s0p tproxy ip6 to [::ffff:127.0.0.1]:1 "
    "accept";
}  // namespace

TEST_CASE("object drift is empty when the kernel holds the desired state") {
  CHECK(object_drift(sample(), applied(sample())).empty());
  CHECK(object_drift(std::nullopt, KernelState{}).empty());
}

TEST_CASE("object drift names a missing rule, a changed set and a missing route") {
  KernelState k = applied(sample());
  k.items.erase(std::find_if(k.items.begin(), k.items.end(), [](const NftItem& i) {
    return i.kind == NftItem::Kind::Rule && i.name == "s06";
  }));
  for (auto& i : k.items)
    if (i.name == "s0p" && i.kind == NftItem::Kind::Set) i.elements = {"22", "8080"};
  k.routes.erase(k.routes.begin());  // 192.0.2.0/24
  CHECK(lines(object_drift(sample(), k)) ==
        std::vector<std::string>{"~ nft set s0p: missing { 443 }, extra { 8080 }",
                                 std::string("+ ") + kRule6, "+ route local 192.0.2.0/24 dev lo"});
}

TEST_CASE("object drift names a missing table, extra objects and a changed rule") {
  CHECK(lines(object_drift(sample(), KernelState{})) ==
        std::vector<std::string>{"+ nft table inet socketbox", "+ route local 192.0.2.0/24 dev lo",
                                 "+ route local fd01:db8:1:40::/64 dev lo"});
  DesiredState other = sample();
  other.tproxy_port = 2;
  KernelState k = applied(other);
  k.unrecognized.push_back("nft rule not made by socketbox: drop");
  const auto got = lines(object_drift(sample(), k));
  REQUIRE(got.size() == 3);
  CHECK(got[0] ==
        "~ nft rule for @s06: iif != \"lo\" ip6 daddr @s06 tcp dport @s0p tproxy ip6 to "
        "[::ffff:127.0.0.1]:2 accept instead of iif != \"lo\" ip6 daddr @s06 tcp dport @s0p tproxy "
        "ip6 to [::ffff:127.0.0.1]:1 accept");
  CHECK(got[2] == "- nft rule not made by socketbox: drop");
  // Nothing of socketbox's should be there (after `down`).
  CHECK(lines(object_drift(std::nullopt, applied(sample()))) ==
        std::vector<std::string>{"- nft table inet socketbox", "- route local 192.0.2.0/24 dev lo",
                                 "- route local fd01:db8:1:40::/64 dev lo"});
}
