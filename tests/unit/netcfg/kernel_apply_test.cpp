// apply / read back / diff / remove_all against a real kernel, each case in
// a network namespace of its own.
#include <algorithm>
#include <catch2/catch.hpp>

#include "kernel_support.hpp"
#include "socketbox/netcfg/routes.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

namespace {

DesiredState state_a() {
  DesiredState d;
  d.steers.push_back({{P("fd01:db8:1:40::/64"), P("192.0.2.0/24")},
                      {{22, 22}, {80, 80}, {443, 443}, {8000, 8100}}});
  d.steers.push_back({{P("fd01:db8:1:41::1:10"), P("198.51.100.7")}, {}});
  return d;
}

DesiredState state_b() {
  DesiredState d;
  d.steers.push_back({{P("fd01:db8:1:40::/64"), P("203.0.113.0/25")}, {{443, 443}, {9000, 9001}}});
  d.tproxy_port = 2;
  return d;
}

std::vector<std::string> route_texts(const DesiredState& d) {
  std::vector<std::string> out;
  for (const auto& s : d.steers)
    for (const auto& p : s.prefixes) out.push_back(p.str());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// `nft -j list table` with the per-object handles taken out.
std::string nft_json(const TestNetns& ns) {
  std::string json = ns.sh("nft -j list table inet socketbox");
  const std::string key = "\"handle\": ";
  for (auto at = json.find(key); at != std::string::npos; at = json.find(key, at)) {
    auto end = json.find_first_not_of("0123456789", at + key.size());
    if (json.compare(end, 2, ", ") == 0) end += 2;
    json.erase(at, end - at);
  }
  return json;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

void require_holds(const TestNetns& ns, const DesiredState& d) {
  CHECK(sbtest::nft_listing(ns) == sbtest::render_body(d));
  CHECK(sbtest::our_routes_from_ip(ns) == route_texts(d));
  KernelState k;
  {
    NetnsScope in(ns.name());
    k = read_kernel_state();
  }
  CHECK(k.table_present);
  CHECK(k.unrecognized.empty());
  CHECK(k.steering.steers == normalize(d).steers);
  CHECK(k.steering.tproxy_port == d.tproxy_port);
  CHECK(k.steering.local_clients == d.local_clients);
  CHECK(diff(d, k).empty());
}

}  // namespace

TEST_CASE("apply loads the table and routes, and they read back as desired") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const DesiredState d = state_a();
  {
    NetnsScope in(ns.name());
    CHECK_FALSE(read_kernel_state().table_present);
    apply(d);
  }
  require_holds(ns, d);

  // What nft -j shows: exactly these sets, elements and rules.
  const std::string json = nft_json(ns);
  INFO(json);
  CHECK(count(json, "{\"set\": ") == 5);
  CHECK(
      json.find(
          R"({"set": {"family": "inet", "name": "s16", "table": "socketbox", "type": "ipv6_addr", "flags": ["interval"], "elem": ["fd01:db8:1:41::1:10"]}})") !=
      std::string::npos);
  CHECK(
      json.find(
          R"({"set": {"family": "inet", "name": "s06", "table": "socketbox", "type": "ipv6_addr", "flags": ["interval"], "elem": [{"prefix": {"addr": "fd01:db8:1:40::", "len": 64}}]}})") !=
      std::string::npos);
  CHECK(
      json.find(
          R"({"set": {"family": "inet", "name": "s04", "table": "socketbox", "type": "ipv4_addr", "flags": ["interval"], "elem": [{"prefix": {"addr": "192.0.2.0", "len": 24}}]}})") !=
      std::string::npos);
  CHECK(
      json.find(
          R"({"set": {"family": "inet", "name": "s0p", "table": "socketbox", "type": "inet_service", "flags": ["interval"], "elem": [22, 80, 443, {"range": [8000, 8100]}]}})") !=
      std::string::npos);
  CHECK(
      json.find(
          R"({"set": {"family": "inet", "name": "s14", "table": "socketbox", "type": "ipv4_addr", "flags": ["interval"], "elem": ["198.51.100.7"]}})") !=
      std::string::npos);
  CHECK(count(json, "{\"rule\": ") == 4);
  CHECK(
      json.find(
          R"({"chain": {"family": "inet", "table": "socketbox", "name": "prerouting", "type": "filter", "hook": "prerouting", "prio": -150, "policy": "accept"}})") !=
      std::string::npos);
  CHECK(
      json.find(
          R"("expr": [{"match": {"op": "!=", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "daddr"}}, "right": "@s06"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@s0p"}}, {"tproxy": {"family": "ip6", "addr": "::ffff:127.0.0.1", "port": 1}}, {"accept": null}])") !=
      std::string::npos);
  CHECK(
      json.find(
          R"("expr": [{"match": {"op": "!=", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "@s04"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@s0p"}}, {"tproxy": {"family": "ip", "addr": "127.0.0.1", "port": 1}}, {"accept": null}])") !=
      std::string::npos);
  CHECK(
      json.find(
          R"("expr": [{"match": {"op": "!=", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "@s14"}}, {"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"tproxy": {"family": "ip", "addr": "127.0.0.1", "port": 1}}, {"accept": null}])") !=
      std::string::npos);
}

TEST_CASE("apply loads the same bytecode nft makes of render_nft's text") {
  SB_REQUIRE_KERNEL();
  TestNetns ours("o"), theirs("t");
  DesiredState d = state_a();
  {
    NetnsScope in(ours.name());
    apply(d);
  }
  REQUIRE(sbtest::load_rendered(theirs, d).rc == 0);
  // Rules (bytecode) and every set's elements (keys and interval-end flags).
  auto dump = [](const TestNetns& ns) {
    std::string out = ns.sh("nft --debug=netlink list chain inet socketbox prerouting");
    for (const char* set : {"s06", "s04", "s0p", "s16", "s14"})
      out += ns.sh(std::string("nft --debug=netlink list set inet socketbox ") + set);
    return out;
  };
  CHECK(dump(ours) == dump(theirs));
}

TEST_CASE("apply twice changes nothing") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const DesiredState d = state_a();
  NetnsScope in(ns.name());
  apply(d);
  // With handles: an unchanged table is not even reloaded.
  const std::string before = ns.sh("nft -a list table inet socketbox");
  const std::string routes_before = sbtest::all_local_routes(ns);
  apply(d);
  CHECK(diff(d, read_kernel_state()).empty());
  CHECK(ns.sh("nft -a list table inet socketbox") == before);
  CHECK(sbtest::all_local_routes(ns) == routes_before);
}

TEST_CASE("changing prefixes, ports and the tproxy port replaces exactly") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  {
    NetnsScope in(ns.name());
    apply(state_a());
    auto changes = diff(state_b(), read_kernel_state());
    std::vector<std::string> lines;
    for (const auto& c : changes) lines.push_back(to_string(c));
    CHECK(std::find(lines.begin(), lines.end(), "~ tproxy port 1 -> 2") != lines.end());
    CHECK(std::find(lines.begin(), lines.end(), "- nft element 192.0.2.0/24 in steer 0") !=
          lines.end());
    CHECK(std::find(lines.begin(), lines.end(), "+ route local 203.0.113.0/25 dev lo") !=
          lines.end());
    CHECK(std::find(lines.begin(), lines.end(), "- route local 198.51.100.7 dev lo") !=
          lines.end());
    apply(state_b());
  }
  require_holds(ns, state_b());

  DesiredState c = state_b();
  c.local_clients = true;
  c.steers[0].ports.clear();
  {
    NetnsScope in(ns.name());
    apply(c);
  }
  require_holds(ns, c);
}

TEST_CASE("a foreign table and a foreign route survive apply and remove_all") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  ns.sh(
      "nft add table inet filter && nft add chain inet filter input \"{ type filter hook input "
      "priority 0; policy accept; }\" && nft add rule inet filter input tcp dport 22 counter "
      "accept");
  ns.sh("ip route add local 203.0.113.0/24 dev lo");
  ns.sh("ip -6 route add local 2001:db8:ffff::/48 dev lo");
  const std::string filter_before = ns.sh("nft list table inet filter");
  {
    NetnsScope in(ns.name());
    apply(state_a());
    apply(state_b());
  }
  CHECK(ns.sh("nft list table inet filter") == filter_before);
  CHECK(ns.sh("ip route show table local 203.0.113.0/24").find("local 203.0.113.0/24 dev lo") !=
        std::string::npos);
  {
    NetnsScope in(ns.name());
    remove_all();
    const KernelState k = read_kernel_state();
    CHECK_FALSE(k.table_present);
    CHECK(k.routes.empty());
  }
  CHECK(ns.sh("nft list table inet filter") == filter_before);
  CHECK(ns.sh("ip route show table local 203.0.113.0/24").find("local 203.0.113.0/24 dev lo") !=
        std::string::npos);
  CHECK(ns.sh("ip -6 route show table local 2001:db8:ffff::/48")
            .find("local 2001:db8:ffff::/48 dev lo") != std::string::npos);
}

TEST_CASE("remove_all leaves nothing of socketbox's, and is harmless when repeated") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  const std::string routes_before = sbtest::all_local_routes(ns);
  {
    NetnsScope in(ns.name());
    apply(state_a());
    remove_all();
    remove_all();
  }
  CHECK(ns.sh("nft list ruleset").empty());
  CHECK(sbtest::our_routes_from_ip(ns).empty());
  CHECK(sbtest::all_local_routes(ns) == routes_before);
}

TEST_CASE("read_kernel_state reports hand-made changes inside the socketbox table") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  {
    NetnsScope in(ns.name());
    apply(state_a());
  }
  ns.sh("nft add rule inet socketbox prerouting tcp dport 25 drop");
  ns.sh("nft add element inet socketbox s04 { 10.1.0.0/16 }");
  NetnsScope in(ns.name());
  const KernelState k = read_kernel_state();
  REQUIRE(k.unrecognized.size() == 1);
  CHECK(k.unrecognized[0].rfind("nft rule not made by socketbox: ", 0) == 0);
  std::vector<std::string> lines;
  for (const auto& c : diff(state_a(), k)) lines.push_back(to_string(c));
  CHECK(lines.size() == 2);
  CHECK(std::find(lines.begin(), lines.end(), "- nft element 10.1.0.0/16 in steer 0") !=
        lines.end());
  apply(state_a());
  CHECK(diff(state_a(), read_kernel_state()).empty());
}

TEST_CASE("NetnsScope names a namespace that does not exist") {
  try {
    NetnsScope in("sbnc-no-such-namespace");
    FAIL("no error");
  } catch (const NetcfgError& e) {
    CHECK(std::string(e.what()) ==
          "network namespace 'sbnc-no-such-namespace' does not exist (no "
          "/run/netns/sbnc-no-such-namespace)");
  }
}

TEST_CASE("a large table goes in one transaction and reads back") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  DesiredState d;
  Steer s;
  for (int i = 0; i < 2000; ++i) {
    s.prefixes.push_back(
        P(("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24").c_str()));
    char v6[64];
    std::snprintf(v6, sizeof v6, "fd01:db8:%x::/48", i);
    s.prefixes.push_back(P(v6));
  }
  for (int port = 1000; port < 2000; port += 2)
    s.ports.push_back({std::uint16_t(port), std::uint16_t(port)});
  d.steers.push_back(s);
  NetnsScope in(ns.name());
  apply(d);  // well over the default socket send buffer: one sendmsg all the same
  CHECK(diff(d, read_kernel_state()).empty());
  d.steers[0].prefixes.pop_back();
  apply(d);
  const KernelState k = read_kernel_state();
  CHECK(k.routes.size() == 3999);
  CHECK(diff(d, k).empty());
  remove_all();
  CHECK(read_kernel_state().routes.empty());
}

TEST_CASE("object_drift names hand-made changes object by object") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  {
    NetnsScope in(ns.name());
    apply(state_a());
    CHECK(object_drift(state_a(), read_kernel_state()).empty());
  }
  ns.sh("nft add element inet socketbox s04 { 10.1.0.0/16 }");
  ns.sh("ip route del local 198.51.100.7 dev lo table local proto 91");
  NetnsScope in(ns.name());
  std::vector<std::string> lines;
  for (const auto& c : object_drift(state_a(), read_kernel_state())) lines.push_back(to_string(c));
  CHECK(lines == std::vector<std::string>{"~ nft set s04: extra { 10.1.0.0/16 }",
                                          "+ route local 198.51.100.7 dev lo"});
}

TEST_CASE("route steps are idempotent against another tool's changes") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  RouteSocket rs;
  CHECK(rs.add_local_route(P("192.0.2.0/24")));
  CHECK_FALSE(rs.add_local_route(P("192.0.2.0/24")));  // ours already: nothing to do
  CHECK(rs.delete_local_route(P("192.0.2.0/24")));
  CHECK_FALSE(rs.delete_local_route(P("192.0.2.0/24")));  // gone already
  // A foreign route in the way is still an error.
  ns.sh("ip route add local 198.51.100.0/24 dev lo table local proto static");
  CHECK_THROWS_WITH(
      rs.add_local_route(P("198.51.100.0/24")),
      Catch::Contains("a route for this prefix that is not socketbox's is in the way"));
  CHECK_FALSE(rs.delete_local_route(P("198.51.100.0/24")));  // not ours: untouched
  CHECK(sbtest::all_local_routes(ns).find("198.51.100.0/24") != std::string::npos);
}
