#include <catch2/catch.hpp>
#include <chrono>

#include "socketbox/table/parser.hpp"
#include "test_support.hpp"

using namespace socketbox::table;
using sbtest::decide;
using sbtest::tuple;

TEST_CASE("the seed's table dispatches as the seed's transcript shows", "[lookup]") {
  const Table t = load_table_file(SB_TEST_DATA_DIR "/seed.conf");
  // ssh: only ::1:10 has an sshd; everything else in the prefix is closed.
  CHECK(decide(t, tuple("fd01:db8:1:40::1:10", 22)) == "unix:/vm7/sshd_socket");
  CHECK(decide(t, tuple("fd01:db8:1:40::1:11", 22)) == "fail");
  CHECK(decide(t, tuple("fd01:db8:1:40::1:f", 22)) == "fail");
  CHECK(decide(t, tuple("fd01:db8:1:40::1:0", 22)) == "fail");
  // https: ::1:10 and ::1:11 are served by different servers, the rest closed.
  CHECK(decide(t, tuple("fd01:db8:1:40::1:10", 443)) == "unix:/vm7/sb-00443");
  CHECK(decide(t, tuple("fd01:db8:1:40::1:11", 443)) == "unix:/vm7/apache-00443");
  for (const char* closed : {"fd01:db8:1:40::1:f", "fd01:db8:1:40::1:12", "fd01:db8:1:40::1:1f",
                             "fd01:db8:1:40::1234:5678"}) {
    INFO(closed);
    CHECK(decide(t, tuple(closed, 443)) == "fail");
  }
  // The NAT64 prefix: ports 80 and 443 by port map, anything else closed.
  CHECK(decide(t, tuple("fd01:db8:1:40:0:64:c000:201", 80)) == "unix:/nat64/nat64.sock");
  CHECK(decide(t, tuple("fd01:db8:1:40:0:64:c000:201", 25)) == "fail");
  // Outside the prefix nothing matches.
  CHECK(decide(t, tuple("fd01:db8:1:41::1:10", 22)) == "fail");
}

TEST_CASE("first matching rule wins; the default catches the rest", "[lookup]") {
  const Table t = parse_table(R"(rule-set:0
ip:2001:db8::/64 port:22 jump-unix:/ssh
ip:2001:db8::/48 jump-unix:/wide
rip:fd00::/8 jump-unix:/from-ula
rport:7 jump-unix:/rport7
default jump-fd:5
)");
  CHECK(decide(t, tuple("2001:db8::1", 22)) == "unix:/ssh");
  CHECK(decide(t, tuple("2001:db8::1", 80)) == "unix:/wide");
  CHECK(decide(t, tuple("2001:db8:0:1::1", 22)) == "unix:/wide");
  CHECK(decide(t, tuple("2001:db9::1", 22, "fd12::1")) == "unix:/from-ula");
  CHECK(decide(t, tuple("2001:db9::1", 22, "2001::1", 7)) == "unix:/rport7");
  CHECK(decide(t, tuple("2001:db9::1", 22, "2001::1", 8)) == "fd:5");
}

TEST_CASE("a mask need not be a prefix (dynamic prefixes)", "[lookup]") {
  // Match interface identifier ::1:10 under any /64.
  const Table t = parse_table("rule-set:0\nip:::1:10/::ffff:ffff:ffff:ffff jump-unix:/host10\n");
  CHECK(decide(t, tuple("2001:db8:aaaa:1::1:10", 22)) == "unix:/host10");
  CHECK(decide(t, tuple("fd01:db8:1:40::1:10", 22)) == "unix:/host10");
  CHECK(decide(t, tuple("fd01:db8:1:40::1:11", 22)) == "fail");
}

TEST_CASE("IPv4 as dotted quads and as mapped addresses", "[lookup]") {
  const Table t = parse_table(R"(rule-set:0
ip:192.0.2.0/25 port:80 jump-unix:/low
ip:::ffff:192.0.2.128/121 port:80 jump-unix:/high
rip:10.99.0.0/16 jump-map:1
map-set:1 match-lip:128
ip:192.0.2.200 jump-unix:/map
)");
  CHECK(decide(t, tuple("192.0.2.1", 80)) == "unix:/low");
  CHECK(decide(t, tuple("::ffff:192.0.2.130", 80)) == "unix:/high");
  CHECK(decide(t, tuple("192.0.2.200", 22, "10.99.0.2")) == "unix:/map");
  CHECK(decide(t, tuple("192.0.2.201", 22, "10.99.0.2")) == "fail");
  CHECK(decide(t, tuple("192.0.2.200", 22, "10.98.0.2")) == "fail");
}

TEST_CASE("map sets key on exactly the fields they select", "[lookup]") {
  const Table t = parse_table(R"(rule-set:0
default jump-map:1
map-set:1 match-lip:64 match-rport:1
ip:2001:db8:1:2::99 rport:1000 jump-unix:/a
ip:2001:db8:1:3:: rport:1000 jump-unix:/b
default jump-rule:2
rule-set:2
port:22 jump-unix:/fallback
)");
  CHECK(decide(t, tuple("2001:db8:1:2::1", 22, "::1", 1000)) == "unix:/a");  // masked to /64
  CHECK(decide(t, tuple("2001:db8:1:3::5", 80, "::1", 1000)) == "unix:/b");
  CHECK(decide(t, tuple("2001:db8:1:3::5", 22, "::1", 1001)) == "unix:/fallback");
  CHECK(decide(t, tuple("2001:db8:1:3::5", 80, "::1", 1001)) == "fail");
}

TEST_CASE("a trace records every step of a decision", "[lookup]") {
  const Table t = load_table_file(SB_TEST_DATA_DIR "/seed.conf");
  Trace trace;
  const Action a = t.lookup(tuple("fd01:db8:1:40::1:11", 443), &trace);
  CHECK(a.kind == ActionKind::Unix);
  REQUIRE(trace.steps.size() == 2);
  CHECK_FALSE(trace.steps[0].in_map);
  CHECK(trace.steps[0].entry == 0);
  CHECK(trace.steps[0].pos.line == 2);
  CHECK(trace.steps[1].in_map);
  CHECK(trace.steps[1].set_id == 2);
  CHECK(trace.steps[1].pos.line == 12);

  Trace miss;
  t.lookup(tuple("fd01:db8:1:40::1:11", 22), &miss);
  REQUIRE(miss.steps.size() == 2);
  CHECK(miss.steps[1].entry == -1);  // map 3's default: fail
}

TEST_CASE("a map set of 1,000,000 entries loads and answers", "[lookup][large]") {
  std::string text =
      "rule-set:0\nip:2001:db8::/32 jump-map:1\nmap-set:1 match-lip:128 match-lport\n";
  text.reserve(60'000'000);
  char line[96];
  for (unsigned i = 0; i < 1'000'000; ++i) {
    const int n = std::snprintf(line, sizeof line, "ip:2001:db8:%x:%x::1 port:%u jump-unix:/s%u\n",
                                i >> 16, i & 0xffff, 1000 + (i % 7), i % 4);
    text.append(line, static_cast<std::size_t>(n));
  }
  const auto start = std::chrono::steady_clock::now();
  const Table t = parse_table(text);
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("parsed 1,000,000 map entries in " << secs << " s");
  REQUIRE(t.map_sets[0].size() == 1'000'000);
  CHECK(decide(t, tuple("2001:db8:0:0::1", 1000)) == "unix:/s0");
  CHECK(decide(t, tuple("2001:db8:f:423f::1", 1000 + (999'999u % 7))) == "unix:/s3");
  CHECK(decide(t, tuple("2001:db8:f:423f::1", 999)) == "fail");
  CHECK(decide(t, tuple("2001:db8:f:4241::1", 1000)) == "fail");
}

TEST_CASE("path placeholders expand to the local address and port", "[lookup]") {
  const auto tu = tuple("fd01:db8:1:40::1:10", 443);
  char buf[108];
  REQUIRE(expand_path("/run/sb/#//6_-#//7_/#//P_.sock", tu, buf, sizeof buf) > 0);
  CHECK(std::string(buf) == "/run/sb/00001-00016/00443.sock");
  REQUIRE(expand_path("/plain#//9_/#/x", tu, buf, sizeof buf) > 0);
  CHECK(std::string(buf) == "/plain#//9_/#/x");
  char tiny[8];
  CHECK(expand_path("/#//P_#//P_", tu, tiny, sizeof tiny) == 0);
  CHECK(expand_path("/1234567", tu, tiny, sizeof tiny) == 0);
  CHECK(expand_path("/123456", tu, tiny, sizeof tiny) == 7);
}

TEST_CASE("an empty table decides fail", "[lookup]") {
  const Table t;
  CHECK(t.lookup(tuple("::1", 1)).kind == ActionKind::Fail);
}
