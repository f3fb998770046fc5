#include "socketbox/table/parser.hpp"

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace socketbox::table;
using sbtest::decide;
using sbtest::tuple;

namespace {

// The full message a user would see for a table that fails to load.
std::string error_of(const std::string& text) {
  try {
    parse_table(text, "t.conf");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(loaded)";
}

}  // namespace

TEST_CASE("the seed's table loads verbatim", "[parser]") {
  const Table t = load_table_file(SB_TEST_DATA_DIR "/seed.conf");
  REQUIRE(t.rule_sets.size() == 1);
  REQUIRE(t.map_sets.size() == 3);
  CHECK(t.rule_sets[0].rules.size() == 3);
  CHECK(t.map_sets[0].id == 1);
  CHECK(t.map_sets[0].spec.lport);
  CHECK(t.map_sets[1].spec.lip_mask == Addr::prefix_mask(128));
  CHECK(t.targets.size() == 4);  // nat64.sock is shared by two entries
}

TEST_CASE("every token is understood", "[parser]") {
  const Table t = parse_table(R"(# a comment line
max-maps:10
max-rules:10
rule-set:0 size:5
ip:2001:db8::/32 rip:fd00::/ffff:: port:22 rport:1234 jump-fd:3
ip:192.0.2.0/24 jump-map:7
	rip:10.0.0.1	jump-rule:2   # tabs separate words too; a trailing comment
fail
default jump-unix:/run/default.sock

rule-set:2
default fail

map-set:7 size:2 match-lip:128 match-rip:64 match-lport match-rport:1
ip:192.0.2.1 rip:fd00::1 port:80 rport:9 jump-unix:/a.sock
default
jump-unix:/b.sock
)");
  const RuleSet& r0 = t.rule_sets[0];
  REQUIRE(r0.rules.size() == 4);
  CHECK(r0.rules[0].lip_mask == Addr::prefix_mask(32));
  CHECK(r0.rules[0].rip_mask == *parse_addr("ffff::"));
  CHECK(r0.rules[0].match_lport);
  CHECK(r0.rules[0].match_rport);
  CHECK(r0.rules[0].action == Action{ActionKind::Fd, 3});
  CHECK(r0.rules[1].lip_mask == Addr::prefix_mask(120));  // dotted-quad /24 counts IPv4 bits
  CHECK(r0.rules[1].action.kind == ActionKind::JumpMap);
  CHECK(r0.rules[2].action.kind == ActionKind::JumpRule);
  CHECK(r0.rules[3].action.kind == ActionKind::Fail);
  CHECK(r0.default_action.kind == ActionKind::Unix);
  const MapSet& m = t.map_sets[0];
  CHECK(m.spec.lport);
  CHECK(m.spec.rport);
  CHECK(m.spec.rip_mask == Addr::prefix_mask(64));
  CHECK(m.default_action.kind == ActionKind::Unix);
  CHECK(t.targets[m.default_action.arg].path == "/b.sock");
}

TEST_CASE("size, max-maps and max-rules are optional and do not cap a set", "[parser]") {
  std::string text = "rule-set:0 size:1\n";
  for (int i = 0; i < 1500; ++i) text += "port:" + std::to_string(i + 1) + " fail\n";
  const Table t = parse_table(text);
  CHECK(t.rule_sets[0].rules.size() == 1500);
}

TEST_CASE("errors name file, line, column and what was expected", "[parser]") {
  CHECK(error_of("rule-set:0\nport:70000 fail\n") ==
        "t.conf:2:1: error: 'port:' expects a port from 0 to 65535, got '70000'");
  CHECK(error_of("rule-set:x\n") ==
        "t.conf:1:1: error: 'rule-set:' expects a set number from 0 to 4294967295, got 'x'");
  CHECK(error_of("rule-set:0\nip:2001:db8::1 bogus:1 fail\n") ==
        "t.conf:2:16: error: unknown word 'bogus' (expected rule-set:, map-set:, ip:, rip:, port:, "
        "rport:, match-lip:, match-rip:, match-lport, match-rport, default, jump-unix:, "
        "jump-unix-any:, jump-fd:, jump-map:, jump-rule:, fail, size:, max-maps:, max-rules: or "
        "listener:)");
  CHECK(error_of("rule-set:0\nip:2001:db8::zz fail\n") ==
        "t.conf:2:1: error: '2001:db8::zz' is not an IPv6 or IPv4 address");
  CHECK(error_of("rule-set:0\nip:2001:db8::/129 fail\n") ==
        "t.conf:2:1: error: prefix length must be 0 to 128, got '129'");
  CHECK(error_of("rule-set:0\nip:192.0.2.0/33 fail\n") ==
        "t.conf:2:1: error: IPv4 prefix length must be 0 to 32, got 33");
  CHECK(error_of("rule-set:0\nip:2001:db8::/ fail\n") ==
        "t.conf:2:1: error: expected a prefix length or mask after '/'");
  CHECK(error_of("rule-set:0\nip:2001:db8::/ffff::zz fail\n") ==
        "t.conf:2:1: error: mask 'ffff::zz' is not an IPv6 address");
  CHECK(error_of("rule-set:0\nip:2001:db8::1\n") ==
        "t.conf:2:1: error: entry has no action (expected jump-unix:, jump-unix-any:, jump-fd:, "
        "jump-map:, jump-rule: or fail)");
  CHECK(error_of("rule-set:0\nfail jump-unix:/x\n") ==
        "t.conf:2:6: error: an entry takes one action; this line already has one at column 1");
  CHECK(error_of("ip:2001:db8::1 fail\n") ==
        "t.conf:1:1: error: 'ip' must be inside a rule-set:N or map-set:N");
  CHECK(error_of("rule-set:1\nfail\n") ==
        "t.conf:1:1: error: no rule-set:0 (every lookup starts there)");
  CHECK(error_of("") == "t.conf:1:1: error: no rule-set:0 (every lookup starts there)");
  CHECK(error_of("rule-set:0\nrule-set:0\n") ==
        "t.conf:2:1: error: rule-set:0 is already defined at line 1");
  CHECK(error_of("rule-set:0\nmap-set:1\nmap-set:1\n") ==
        "t.conf:3:1: error: map-set:1 is already defined at line 2");
  CHECK(error_of("rule-set:0 match-lip:64\n") ==
        "t.conf:1:12: error: 'match-lip' belongs to a map-set:N, not a rule-set");
  CHECK(error_of("rule-set:0\nmap-set:1 match-lip:129\n") ==
        "t.conf:2:11: error: 'match-lip:' expects a prefix length from 0 to 128, got '129'");
  CHECK(error_of("rule-set:0\nmap-set:1\nport:1 fail\nmatch-lport\n") ==
        "t.conf:4:1: error: 'match-lport' must come before the first entry of map-set:1");
  CHECK(error_of("rule-set:0\nmap-set:1 match-lip:128\nip:2001:db8::/64 fail\n") ==
        "t.conf:3:1: error: map entries match one address exactly (the set's match-lip/match-rip "
        "masks it); use a rule set for prefixes");
  CHECK(
      error_of("rule-set:0\nmap-set:1 match-lip:128\nip:2001:db8::1 fail\nip:2001:db8::1 fail\n") ==
      "t.conf:4:1: error: duplicate key in map-set:1 (first at line 3)");
  CHECK(error_of("rule-set:0\njump-map:4\n") ==
        "t.conf:2:1: error: jump-map:4 names map-set:4, which is not defined");
  CHECK(error_of("rule-set:0\ndefault jump-rule:9\n") ==
        "t.conf:2:9: error: jump-rule:9 names rule-set:9, which is not defined");
  CHECK(error_of("rule-set:0\ndefault\n") ==
        "t.conf:2:1: error: 'default' is not followed by an action");
  CHECK(error_of("rule-set:0\ndefault\nport:1 fail\n") ==
        "t.conf:3:1: error: expected the action of the 'default' on line 2");
  CHECK(error_of("rule-set:0\ndefault ip:::1 fail\n") ==
        "t.conf:2:9: error: a default action matches everything; remove 'ip:'");
  CHECK(error_of("rule-set:0\ndefault:1 fail\n") ==
        "t.conf:2:1: error: 'default' takes no value; write 'default ACTION'");
  CHECK(error_of("rule-set:0\nfail:now\n") == "t.conf:2:1: error: 'fail' takes no value");
  CHECK(error_of("rule-set:0\njump-unix:\n") ==
        "t.conf:2:1: error: 'jump-unix:' expects a socket path");
  CHECK(error_of("rule-set:0\njump-unix:/" + std::string(200, 'a') + "\n") ==
        "t.conf:2:1: error: socket path is 201 bytes; at most 107 fit in a Unix socket address");
  CHECK(error_of("rule-set:0\njump-fd:-1\n") ==
        "t.conf:2:1: error: 'jump-fd:' expects a descriptor number from 0 to 2147483647, got '-1'");
  CHECK(error_of("rule-set:0\nport:1 port:2 fail\n") ==
        "t.conf:2:8: error: 'port:' given twice in one entry");
  CHECK(error_of("rule-set:0\nip:::1 ip:::2 fail\n") ==
        "t.conf:2:8: error: 'ip:' given twice in one entry");
  CHECK(error_of("rule-set:0\nport:1 rule-set:2\n") ==
        "t.conf:2:8: error: 'rule-set:' must start its line");
  CHECK(error_of("rule-set:0 size:0\n") ==
        "t.conf:1:12: error: 'size:' expects an entry count from 1 to 4294967295, got '0'");
  CHECK(error_of("size:3\n") ==
        "t.conf:1:1: error: 'size' must be inside a rule-set:N or map-set:N");
  CHECK(error_of("max-maps:0\nrule-set:0\n") ==
        "t.conf:1:1: error: 'max-maps:' expects a count from 1 to 4294967295, got '0'");
  CHECK(error_of("rule-set:0\nport:1 default fail\n") ==
        "t.conf:2:8: error: 'default' must start its line");
}

TEST_CASE("jump loops are rejected at load time", "[parser]") {
  CHECK(error_of("rule-set:0\njump-rule:0\n") ==
        "t.conf:2:1: error: jump loop: rule-set:0 -> rule-set:0");
  CHECK(error_of("rule-set:0\nport:22 jump-map:1\nmap-set:1 match-lport\nport:22 jump-rule:2\n"
                 "rule-set:2\ndefault jump-map:1\n") ==
        "t.conf:6:9: error: jump loop: map-set:1 -> rule-set:2 -> map-set:1");
  // A chain without a cycle is fine, however long.
  std::string chain = "rule-set:0\ndefault jump-rule:1\n";
  for (int i = 1; i < 500; ++i)
    chain +=
        "rule-set:" + std::to_string(i) + "\ndefault jump-rule:" + std::to_string(i + 1) + "\n";
  chain += "rule-set:500\ndefault jump-unix:/end\n";
  const Table t = parse_table(chain);
  CHECK(decide(t, tuple("::1", 1)) == "unix:/end");
}

TEST_CASE("an unreadable file is one clear error", "[parser]") {
  try {
    load_table_file("/nonexistent/sbd.conf");
    FAIL("loaded");
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/sbd.conf: cannot read table: No such file or directory");
  }
}

TEST_CASE("CRLF line ends and blank lines are accepted", "[parser]") {
  const Table t = parse_table("rule-set:0\r\n\r\n   \r\nport:22 jump-unix:/s\r\n");
  CHECK(decide(t, tuple("::1", 22)) == "unix:/s");
}

TEST_CASE("jump-unix-any lists 2 to 16 paths, interned like jump-unix", "[parser]") {
  const Table t = parse_table(
      "rule-set:0\nport:80 jump-unix-any:/run/a.sock,/run/b.sock\n"
      "port:81 jump-unix:/run/b.sock\n"
      "port:82 jump-unix-any:/run/a.sock,/run/b.sock\n"
      "default jump-unix-any:/run/c-#//P_.sock,/run/a.sock\n");
  CHECK(t.targets.size() == 3);       // a, b, c: shared with jump-unix
  CHECK(t.target_lists.size() == 2);  // the same list twice is stored once
  const Action a = t.lookup(tuple("2001:db8::1", 80));
  CHECK(a.kind == ActionKind::UnixAny);
  CHECK(t.lookup(tuple("2001:db8::1", 82)) == a);
  CHECK(decide(t, tuple("2001:db8::1", 80)) == "unix-any:/run/a.sock,/run/b.sock");
  CHECK(decide(t, tuple("2001:db8::1", 81)) == "unix:/run/b.sock");
  CHECK(decide(t, tuple("2001:db8::1", 9)) == "unix-any:/run/c-#//P_.sock,/run/a.sock");
  CHECK(t.targets[t.targets_of_list(t.lookup(tuple("2001:db8::1", 9)).arg)[0]].has_placeholders);
  std::string sixteen = "jump-unix-any:/s0";
  for (int i = 1; i < 16; ++i) sixteen += ",/s" + std::to_string(i);
  CHECK(parse_table("rule-set:0\ndefault " + sixteen + "\n").list_targets.size() == 16);
}

TEST_CASE("jump-unix-any's mistakes name the column of the path at fault", "[parser]") {
  CHECK(error_of("rule-set:0\nport:1 jump-unix-any:/a.sock\n") ==
        "t.conf:2:8: error: 'jump-unix-any:' needs at least 2 socket paths separated by ','; "
        "for one, write jump-unix:/a.sock");
  CHECK(error_of("rule-set:0\nport:1 jump-unix-any:\n") ==
        "t.conf:2:8: error: 'jump-unix-any:' expects 2 to 16 socket paths separated by ','");
  CHECK(error_of("rule-set:0\nport:1 jump-unix-any:/a,,/b\n") ==
        "t.conf:2:25: error: 'jump-unix-any:' has an empty socket path");
  CHECK(error_of("rule-set:0\nport:1 jump-unix-any:/a,/b,\n") ==
        "t.conf:2:28: error: 'jump-unix-any:' has an empty socket path");
  CHECK(error_of("rule-set:0\nport:1 jump-unix-any:/a,/b,/a\n") ==
        "t.conf:2:28: error: 'jump-unix-any:' names /a twice");
  std::string seventeen = "jump-unix-any:/s0";
  for (int i = 1; i < 17; ++i) seventeen += ",/s" + std::to_string(i);
  CHECK(error_of("rule-set:0\ndefault " + seventeen + "\n") ==
        "t.conf:2:" + std::to_string(9 + seventeen.size() - 4) +
            ": error: 'jump-unix-any:' takes at most 16 socket paths");
  CHECK(error_of("rule-set:0\ndefault jump-unix-any:/a," + std::string(120, 'x') + "\n") ==
        "t.conf:2:26: error: socket path is 120 bytes; at most 107 fit in a Unix socket address");
}

TEST_CASE("listener lines are header lines naming a port and one socket path",
          "[parser][listener]") {
  const Table t = parse_table(
      "max-rules:1\n"
      "listener:8443 jump-unix:/run/socketbox/web.sock\n"
      "  listener:22\tjump-unix:/run/ssh.sock   # a comment\n"
      "rule-set:0\ndefault jump-unix:/run/socketbox/web.sock\n");
  REQUIRE(t.listeners.size() == 2);
  CHECK(t.listeners[0] == ListenerEntry{8443, "/run/socketbox/web.sock", {2, 1}});
  CHECK(t.listeners[1] == ListenerEntry{22, "/run/ssh.sock", {3, 3}});
  // A listener's path is not a target: it takes no connections.
  REQUIRE(t.targets.size() == 1);
  CHECK(parse_table("rule-set:0\n").listeners.empty());
}

TEST_CASE("listener lines' mistakes name line and column", "[parser][listener]") {
  CHECK(error_of("listener:0 jump-unix:/a\nrule-set:0\n") ==
        "t.conf:1:1: error: 'listener:' expects a port from 1 to 65535, got '0'");
  CHECK(error_of("listener:65536 jump-unix:/a\nrule-set:0\n") ==
        "t.conf:1:1: error: 'listener:' expects a port from 1 to 65535, got '65536'");
  CHECK(error_of("listener jump-unix:/a\nrule-set:0\n") ==
        "t.conf:1:1: error: 'listener:' expects a port from 1 to 65535, got ''");
  CHECK(error_of("listener:80\nrule-set:0\n") ==
        "t.conf:1:1: error: 'listener:80' has no action (expected listener:LPORT jump-unix:PATH)");
  CHECK(error_of("listener:80 jump-fd:3\nrule-set:0\n") ==
        "t.conf:1:13: error: a listener is sent to one socket path: expected jump-unix:PATH, got "
        "'jump-fd:'");
  CHECK(error_of("listener:80 jump-unix-any:/a,/b\nrule-set:0\n") ==
        "t.conf:1:13: error: a listener is sent to one socket path: expected jump-unix:PATH, got "
        "'jump-unix-any:'");
  CHECK(error_of("listener:80 fail\nrule-set:0\n") ==
        "t.conf:1:13: error: a listener is sent to one socket path: expected jump-unix:PATH, got "
        "'fail'");
  CHECK(error_of("listener:80 jump-unix:\nrule-set:0\n") ==
        "t.conf:1:13: error: 'jump-unix:' expects a socket path");
  CHECK(error_of("listener:80 jump-unix:run/a.sock\nrule-set:0\n") ==
        "t.conf:1:13: error: a listener's socket path must be absolute (start with '/'), got "
        "'run/a.sock'");
  CHECK(error_of("listener:80 jump-unix:/run/#//P_.sock\nrule-set:0\n") ==
        "t.conf:1:28: error: a listener's socket path cannot hold placeholders (#//0_ .. #//7_, "
        "#//P_): its one socket goes to one path");
  CHECK(error_of("listener:80 jump-unix:/" + std::string(200, 'a') + "\nrule-set:0\n") ==
        "t.conf:1:13: error: socket path is 201 bytes; at most 107 fit in a Unix socket address");
  CHECK(error_of("listener:80 jump-unix:/a port:1\nrule-set:0\n") ==
        "t.conf:1:26: error: a listener line is exactly 'listener:LPORT jump-unix:PATH'; "
        "unexpected 'port'");
  CHECK(error_of("listener:80 jump-unix:/a\n\nlistener:80 jump-unix:/b\nrule-set:0\n") ==
        "t.conf:3:1: error: listener:80 is already defined at line 1");
  CHECK(error_of("rule-set:0\nlistener:80 jump-unix:/a\n") ==
        "t.conf:2:1: error: 'listener:' is a header line: it must come before the first "
        "rule-set: or map-set:");
  CHECK(error_of("rule-set:0\nfail listener:80\n") ==
        "t.conf:2:6: error: 'listener:' must start its line (listener:LPORT jump-unix:PATH)");
  std::string many;
  for (int port = 1; port <= 257; ++port)
    many += "listener:" + std::to_string(port) + " jump-unix:/a\n";
  CHECK(error_of(many + "rule-set:0\n") == "t.conf:257:1: error: more than 256 listener lines");
}
