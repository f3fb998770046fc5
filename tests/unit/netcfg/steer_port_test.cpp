// A steer block with its own TPROXY port: its rules send there and carry a
// counter; diff, object drift and the nft text follow it, and a counter's
// value is never a difference.
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "model_support.hpp"
#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_text.hpp"

using namespace socketbox::netcfg;

namespace {
using model_test::lines;
using model_test::P;

// Block 0 goes to a listener on 8080, block 1 to sbd's port 7.
DesiredState sample() {
  DesiredState d;
  d.steers.push_back({{P("fd01:db8:1:40::1"), P("192.0.2.1")}, {{443, 443}}, {}, 8080});
  d.steers.push_back({{P("203.0.113.0/24")}, {}});
  d.tproxy_port = 7;
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
}  // namespace

TEST_CASE("a steer block's own port is part of it and 0 means the main one") {
  const Steer plain({P("192.0.2.1")}, {{80, 80}});
  CHECK(plain.tproxy_port == 0);
  const Steer own({P("192.0.2.1")}, {{80, 80}}, {}, 8080);
  CHECK(own.tproxy_port == 8080);
  CHECK_FALSE(plain == own);
  Steer set_later = plain;
  set_later.tproxy_port = 8080;
  CHECK(set_later == own);
  // Any own port is valid, the main one too; the main port 0 still is not.
  CHECK_NOTHROW(validate(sample()));
  DesiredState same = sample();
  same.steers[0].tproxy_port = 7;
  CHECK_NOTHROW(validate(same));
  DesiredState zero = sample();
  zero.tproxy_port = 0;
  CHECK_THROWS_AS(validate(zero), NetcfgError);
}

TEST_CASE("render_nft sends a block with its own port there, with a counter") {
  const std::string text = render_nft(sample());
  CHECK(text.find("\t\tiif != \"lo\" ip6 daddr @s06 tcp dport @s0p counter packets 0 bytes 0 "
                  "tproxy ip6 to [::ffff:127.0.0.1]:8080 accept\n") != std::string::npos);
  CHECK(text.find("\t\tiif != \"lo\" ip daddr @s04 tcp dport @s0p counter packets 0 bytes 0 "
                  "tproxy ip to 127.0.0.1:8080 accept\n") != std::string::npos);
  CHECK(text.find("\t\tiif != \"lo\" ip daddr @s14 meta l4proto tcp tproxy ip to 127.0.0.1:7 "
                  "accept\n") != std::string::npos);
  // The block's limits keep their rules as they are.
  DesiredState limited = sample();
  limited.steers[0].limits.max_conn = 3;
  const std::string with_limits = render_nft(limited);
  CHECK(with_limits.find("ct count over 3 } counter packets 0 bytes 0 reject with tcp reset\n") !=
        std::string::npos);
  CHECK(with_limits.find("counter packets 0 bytes 0 tproxy ip6 to [::ffff:127.0.0.1]:8080") !=
        std::string::npos);
}

TEST_CASE("nft items of a block with its own port name its counter, without values") {
  const auto items = nft_items(sample());
  std::vector<std::string> rules;
  for (const auto& i : items)
    if (i.kind == NftItem::Kind::Rule) rules.push_back(i.text);
  CHECK(rules == std::vector<std::string>{
                     "iif != \"lo\" ip6 daddr @s06 tcp dport @s0p counter tproxy ip6 to "
                     "[::ffff:127.0.0.1]:8080 accept",
                     "iif != \"lo\" ip daddr @s04 tcp dport @s0p counter tproxy ip to "
                     "127.0.0.1:8080 accept",
                     "iif != \"lo\" ip daddr @s14 meta l4proto tcp tproxy ip to 127.0.0.1:7 accept",
                 });
  CHECK(steer_rule_text(AF_INET, "s04", std::nullopt, 9, true, true, "packets 3 bytes 180") ==
        "ip daddr @s04 meta l4proto tcp counter packets 3 bytes 180 tproxy ip to 127.0.0.1:9 "
        "accept");
}

TEST_CASE("diff and object drift are empty when the kernel holds the own ports") {
  KernelState k = applied(sample());
  // Counted packets are the kernel's, not state.
  k.steer_counters = {{0, AF_INET6, 8080, 12, 960}, {0, AF_INET, 8080, 3, 180}};
  CHECK(diff(sample(), k).empty());
  CHECK(object_drift(sample(), k).empty());
}

TEST_CASE("diff shows a changed own port as one Modify, like the main port") {
  DesiredState want = sample();
  want.steers[0].tproxy_port = 8081;
  CHECK(lines(diff(want, applied(sample()))) ==
        std::vector<std::string>{"~ tproxy port in steer 0: 8080 -> 8081"});
  // To the main port and back.
  DesiredState main = sample();
  main.steers[0].tproxy_port = 0;
  CHECK(lines(diff(main, applied(sample()))) ==
        std::vector<std::string>{"~ tproxy port in steer 0: 8080 -> main"});
  CHECK(lines(diff(sample(), applied(main))) ==
        std::vector<std::string>{"~ tproxy port in steer 0: main -> 8080"});
  // An own port equal to the main one is still the block's own (it counts).
  DesiredState same = sample();
  same.steers[1].tproxy_port = 7;
  CHECK(lines(diff(same, applied(sample()))) ==
        std::vector<std::string>{"~ tproxy port in steer 1: main -> 7"});
  // The main port changes only the blocks without their own.
  DesiredState moved = sample();
  moved.tproxy_port = 8;
  CHECK(lines(diff(moved, applied(sample()))) == std::vector<std::string>{"~ tproxy port 7 -> 8"});
  const auto drift = lines(object_drift(want, applied(sample())));
  REQUIRE(drift.size() == 2);
  CHECK(drift[0] ==
        "~ nft rule for @s06: iif != \"lo\" ip6 daddr @s06 tcp dport @s0p counter tproxy ip6 to "
        "[::ffff:127.0.0.1]:8080 accept instead of iif != \"lo\" ip6 daddr @s06 tcp dport @s0p "
        "counter tproxy ip6 to [::ffff:127.0.0.1]:8081 accept");
}

TEST_CASE("the main port is no difference when no block uses it") {
  // Read back, a table whose every block has its own port has no main port.
  DesiredState want = sample();
  want.steers.pop_back();
  KernelState k = applied(want);
  k.steering.tproxy_port = 1;  // what the reader leaves there
  CHECK(diff(want, k).empty());
  CHECK(object_drift(want, k).empty());
  // A block added with the main port brings it in.
  DesiredState more = sample();
  CHECK(lines(diff(more, k)) == std::vector<std::string>{
                                    "+ nft steer 1 (ports all)",
                                    "+ nft element 203.0.113.0/24 in steer 1",
                                    "+ route local 203.0.113.0/24 dev lo",
                                });
  CHECK(lines(diff(want, applied(more))) == std::vector<std::string>{
                                                "- nft steer 1 (ports all)",
                                                "- nft element 203.0.113.0/24 in steer 1",
                                                "- route local 203.0.113.0/24 dev lo",
                                            });
  // Added and removed blocks name their own port.
  DesiredState two = want;
  two.steers.push_back({{P("198.51.100.7")}, {{80, 80}}, {}, 9000});
  CHECK(lines(diff(two, applied(want))).front() == "+ nft steer 1 (ports 80, tproxy port 9000)");
  CHECK(lines(diff(want, applied(two))).front() == "- nft steer 1 (ports 80, tproxy port 9000)");
}
