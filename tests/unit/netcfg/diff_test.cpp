#include <catch2/catch.hpp>

#include "model_support.hpp"
#include "socketbox/netcfg/model.hpp"

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
  for (const auto& s : d.steers)
    k.routes.insert(k.routes.end(), s.prefixes.begin(), s.prefixes.end());
  return k;
}
}  // namespace

TEST_CASE("diff is empty when the kernel holds the desired state") {
  CHECK(diff(sample(), applied(sample())).empty());
  // Order and repetition carry no meaning.
  DesiredState shuffled = sample();
  std::swap(shuffled.steers[0].prefixes[0], shuffled.steers[0].prefixes[1]);
  shuffled.steers[0].ports.push_back({22, 22});
  CHECK(diff(shuffled, applied(sample())).empty());
}

TEST_CASE("diff from an empty kernel lists everything to add") {
  CHECK(lines(diff(sample(), KernelState{})) == std::vector<std::string>{
                                                    "+ nft table inet socketbox",
                                                    "+ nft steer 0 (ports 22, 443)",
                                                    "+ nft element 192.0.2.0/24 in steer 0",
                                                    "+ nft element fd01:db8:1:40::/64 in steer 0",
                                                    "+ route local 192.0.2.0/24 dev lo",
                                                    "+ route local fd01:db8:1:40::/64 dev lo",
                                                });
}

TEST_CASE("diff names changed elements, ports, tproxy port and routes") {
  DesiredState want = sample();
  want.steers[0].prefixes = {P("fd01:db8:1:40::/64"), P("198.51.100.0/24")};
  want.steers[0].ports = {{22, 22}, {80, 80}};
  want.tproxy_port = 2;
  CHECK(lines(diff(want, applied(sample()))) == std::vector<std::string>{
                                                    "- nft element 192.0.2.0/24 in steer 0",
                                                    "+ nft element 198.51.100.0/24 in steer 0",
                                                    "- nft port 443 in steer 0",
                                                    "+ nft port 80 in steer 0",
                                                    "~ tproxy port 1 -> 2",
                                                    "- route local 192.0.2.0/24 dev lo",
                                                    "+ route local 198.51.100.0/24 dev lo",
                                                });
}

TEST_CASE("diff shows a switch between some ports and all ports, and local clients") {
  DesiredState want = sample();
  want.steers[0].ports.clear();
  want.local_clients = true;
  CHECK(lines(diff(want, applied(sample()))) == std::vector<std::string>{
                                                    "~ nft ports in steer 0: 22, 443 -> all",
                                                    "~ local clients off -> on",
                                                });
}

TEST_CASE("diff adds and removes whole steer blocks") {
  DesiredState want = sample();
  want.steers.push_back({{P("203.0.113.0/24")}, {}});
  CHECK(lines(diff(want, applied(sample()))) == std::vector<std::string>{
                                                    "+ nft steer 1 (ports all)",
                                                    "+ nft element 203.0.113.0/24 in steer 1",
                                                    "+ route local 203.0.113.0/24 dev lo",
                                                });
  CHECK(lines(diff(sample(), applied(want))) == std::vector<std::string>{
                                                    "- nft steer 1 (ports all)",
                                                    "- nft element 203.0.113.0/24 in steer 1",
                                                    "- route local 203.0.113.0/24 dev lo",
                                                });
}

TEST_CASE("diff reports what socketbox did not put in its table as removals") {
  KernelState k = applied(sample());
  k.unrecognized.push_back("nft chain output is not socketbox's");
  CHECK(lines(diff(sample(), k)) ==
        std::vector<std::string>{"- nft chain output is not socketbox's"});
}

TEST_CASE("A prefix shared by two steer blocks needs one route") {
  DesiredState d;
  d.steers.push_back({{P("192.0.2.0/24")}, {{22, 22}}});
  d.steers.push_back({{P("192.0.2.0/24")}, {{80, 80}}});
  KernelState k;
  k.table_present = true;
  k.steering = d;
  k.routes = {P("192.0.2.0/24")};
  CHECK(diff(d, k).empty());
}
