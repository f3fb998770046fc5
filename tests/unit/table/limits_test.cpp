// Load-time limits and validation: whatever loads decides every connection
// without a per-connection failure, and loading stays linear.
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "socketbox/table/parser.hpp"
#include "socketbox/table/text_check.hpp"
#include "test_support.hpp"

using namespace socketbox::table;
using sbtest::decide;
using sbtest::tuple;

namespace {

std::string error_of(const std::string& text, const LoadLimits& limits = {}) {
  try {
    parse_table(text, "t.conf", limits);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(loaded)";
}

// rule-set:F .. rule-set:F+N, each catching port I and jumping on to the
// next: N jumps from rule-set:F to the last set's default.
std::string rule_chain(unsigned jumps, unsigned first = 0) {
  std::string text;
  char line[96];
  for (unsigned i = first; i < first + jumps; ++i) {
    const int n = std::snprintf(line, sizeof line,
                                "rule-set:%u\nport:%u jump-unix:/s%u\ndefault jump-rule:%u\n", i, i,
                                i, i + 1);
    text.append(line, static_cast<std::size_t>(n));
  }
  text += "rule-set:" + std::to_string(first + jumps) + "\ndefault jump-unix:/end\n";
  return text;
}

// One rule set of N map entries, each to its own socket path.
std::string distinct_paths(unsigned n) {
  std::string text = "rule-set:0\ndefault jump-map:1\nmap-set:1 match-lip:128\n";
  text.reserve(n * 64u);
  char line[96];
  for (unsigned i = 0; i < n; ++i) {
    const int len =
        std::snprintf(line, sizeof line, "ip:2001:db8:%x:%x::1 jump-unix:/srv/s%u.sock\n", i >> 16,
                      i & 0xffff, i);
    text.append(line, static_cast<std::size_t>(len));
  }
  return text;
}

double seconds_to_parse(const std::string& text, Table& out) {
  const auto start = std::chrono::steady_clock::now();
  out = parse_table(text);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a chain longer than a lookup follows is refused where it starts", "[limits]") {
  CHECK(error_of(rule_chain(10'000)) ==
        "t.conf:3:9: error: a chain of 10000 jumps starts here (rule-set:0 -> ... -> "
        "rule-set:10000); a lookup follows at most 4096 jumps");
  CHECK(error_of(rule_chain(kMaxJumpChain + 1)) ==
        "t.conf:3:9: error: a chain of 4097 jumps starts here (rule-set:0 -> ... -> "
        "rule-set:4097); a lookup follows at most 4096 jumps");
  // A chain no lookup reaches is refused too: the rule is about the table.
  CHECK(error_of("rule-set:0\ndefault fail\n" + rule_chain(5000, 1)) ==
        "t.conf:5:9: error: a chain of 5000 jumps starts here (rule-set:1 -> ... -> "
        "rule-set:5001); a lookup follows at most 4096 jumps");
}

TEST_CASE("a chain at the limit loads and every lookup through it decides", "[limits]") {
  const Table t = parse_table(rule_chain(kMaxJumpChain));
  for (unsigned i = 0; i < kMaxJumpChain; ++i)
    REQUIRE(decide(t, tuple("::1", static_cast<std::uint16_t>(i))) ==
            "unix:/s" + std::to_string(i));
  Trace trace;
  const Action a = t.lookup(tuple("::1", 65000), &trace);
  REQUIRE(a.kind == ActionKind::Unix);
  CHECK(t.targets[a.arg].path == "/end");
  CHECK(trace.steps.size() == kMaxJumpChain + 1);
}

TEST_CASE("chains through map sets count too", "[limits]") {
  std::string text = "rule-set:0\ndefault jump-map:0\n";
  for (unsigned i = 0; i <= kMaxJumpChain / 2; ++i)
    text += "map-set:" + std::to_string(i) +
            " match-lport\nport:1 jump-rule:" + std::to_string(i + 1) +
            "\nrule-set:" + std::to_string(i + 1) + "\ndefault jump-map:" + std::to_string(i + 1) +
            "\n";
  text += "map-set:" + std::to_string(kMaxJumpChain / 2 + 1) + "\ndefault jump-unix:/end\n";
  CHECK(error_of(text) ==
        "t.conf:2:9: error: a chain of 4099 jumps starts here (rule-set:0 -> ... -> "
        "map-set:2049); a lookup follows at most 4096 jumps");
}

TEST_CASE("many paths through a wide, deep graph are checked in linear time", "[limits]") {
  // Every set jumps to the next by two rules: 2^3000 paths, 6000 edges.
  std::string text;
  for (unsigned i = 0; i < 3000; ++i)
    text += "rule-set:" + std::to_string(i) + "\nport:1 jump-rule:" + std::to_string(i + 1) +
            "\ndefault jump-rule:" + std::to_string(i + 1) + "\n";
  text += "rule-set:3000\ndefault jump-unix:/end\n";
  const Table t = parse_table(text);
  CHECK(decide(t, tuple("::1", 1)) == "unix:/end");
  CHECK(decide(t, tuple("::1", 2)) == "unix:/end");
}

TEST_CASE("one line of very many words is refused early", "[limits]") {
  std::string line = "rule-set:0\n";
  for (int i = 0; i < 300; ++i) line += "size:1 ";
  CHECK(error_of(line + "\n") == "t.conf:2:1793: error: more than 256 words on one line");
}

TEST_CASE("more entries than the limit are refused at the first one over", "[limits]") {
  const std::string text = "rule-set:0\nport:1 fail\nport:2 fail\nmap-set:1\nport:3 fail\n";
  CHECK(error_of(text, {kDefaultMaxTableBytes, 5}) == "(loaded)");
  CHECK(error_of(text, {kDefaultMaxTableBytes, 4}) ==
        "t.conf:5:1: error: more than 4 entries (rules, map entries and set headers; "
        "--max-table-entries)");
  CHECK(error_of(text, {kDefaultMaxTableBytes, 3}) ==
        "t.conf:4:1: error: more than 3 entries (rules, map entries and set headers; "
        "--max-table-entries)");
  CHECK(error_of(text, {text.size() - 1, kDefaultMaxTableEntries}) ==
        "t.conf: larger than the limit of " + std::to_string(text.size() - 1) +
            " bytes (--max-table-bytes)");
}

TEST_CASE("NUL, control bytes and invalid UTF-8 are refused where they are", "[limits]") {
  using namespace std::string_literals;
  CHECK(error_of("rule-set:0\ndefault jump-unix:/a\0b\n"s) ==
        "t.conf:2:21: error: 'jump-unix:' value contains a NUL byte; table text must be "
        "printable UTF-8");
  CHECK(error_of("rule-set:0\nport:1 jump-unix:/a\x1b[2J\n") ==
        "t.conf:2:20: error: 'jump-unix:' value contains control byte 0x1b; table text must be "
        "printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/a\x7f\n") ==
        "t.conf:2:13: error: 'jump-unix:' value contains control byte 0x7f; table text must be "
        "printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/a\rb\n") ==
        "t.conf:2:13: error: 'jump-unix:' value contains control byte 0x0d; table text must be "
        "printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/caf\xff\n") ==
        "t.conf:2:15: error: 'jump-unix:' value contains invalid UTF-8 (byte 0xff); table text "
        "must be printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/\xc0\xaf\n") ==  // overlong '/'
        "t.conf:2:12: error: 'jump-unix:' value contains invalid UTF-8 (byte 0xc0); table text "
        "must be printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/\xed\xa0\x80\n") ==  // a surrogate
        "t.conf:2:12: error: 'jump-unix:' value contains invalid UTF-8 (byte 0xed); table text "
        "must be printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/caf\xc3\n") ==  // cut short
        "t.conf:2:15: error: 'jump-unix:' value contains invalid UTF-8 (byte 0xc3); table text "
        "must be printable UTF-8");
  CHECK(error_of("rule-set:0\nfa\x01il\n") ==
        "t.conf:2:3: error: word contains control byte 0x01; table text must be printable UTF-8");
  CHECK(error_of("rule-set:0\nport:1\x0b jump-unix:/x\n") ==
        "t.conf:2:7: error: 'port:' value contains control byte 0x0b; table text must be "
        "printable UTF-8");
  CHECK(error_of("rule-set:0\njump-unix:/" + std::string(107, 'a') + "\n") ==
        "t.conf:2:1: error: socket path is 108 bytes; at most 107 fit in a Unix socket address");

  // Valid UTF-8 is a path like any other; comments are not words.
  const Table t = parse_table(
      "rule-set:0 # caf\xff \x01 comment\nport:1 jump-unix:/srv/caf\xc3\xa9/\xf0\x9f\x93\xa6\n"
      "default jump-unix:/" +
      std::string(106, 'a') + "\n");
  CHECK(decide(t, tuple("::1", 1)) == "unix:/srv/caf\xc3\xa9/\xf0\x9f\x93\xa6");
}

TEST_CASE("the longest path with placeholders still fits a socket address", "[limits]") {
  // Placeholders are five bytes and expand to five digits, so a path that
  // loads cannot become too long for sockaddr_un per connection.
  const std::string path = "/" + std::string(96, 'a') + "#//7_#//P_";  // 107 bytes
  const Table t = parse_table("rule-set:0\ndefault jump-unix:" + path + "\n");
  REQUIRE(t.targets.size() == 1);
  CHECK(t.targets[0].has_placeholders);
  char out[sizeof(sockaddr_un::sun_path)];
  CHECK(expand_path(t.targets[0].path, tuple("::1:2", 443), out, sizeof out) == 107);
  CHECK(std::string(out).substr(97) == "0000200443");
}

TEST_CASE("check_socket_path refuses what a jump-unix path may not hold", "[limits]") {
  using namespace std::string_literals;
  CHECK_FALSE(check_socket_path("/run/sb/a.sock").has_value());
  REQUIRE(check_socket_path("/a\0b"s).has_value());
  CHECK(check_socket_path("/a\0b"s)->offset == 2);
  CHECK(check_socket_path("/a\0b"s)->what ==
        "socket path contains a NUL byte; paths must be printable UTF-8");
  CHECK(check_socket_path("")->what == "socket path is empty");
  CHECK(check_socket_path(std::string(108, 'a'))->what ==
        "socket path is 108 bytes; at most 107 fit in a Unix socket address");
}

TEST_CASE("100,000 distinct socket paths load in linear time", "[limits]") {
  Table t;
  const double secs = seconds_to_parse(distinct_paths(100'000), t);
  WARN("parsed 100,000 entries with 100,000 distinct paths in " << secs << " s");
  REQUIRE(t.targets.size() == 100'000);
  CHECK(decide(t, tuple("2001:db8:1:869f::1", 1)) == "unix:/srv/s99999.sock");
  CHECK(secs < 60);  // was 17 s with the quadratic intern; a loaded ASan build stays far below
}

TEST_CASE("1,000,000 distinct socket paths load", "[limits][large]") {
  Table t;
  const double secs = seconds_to_parse(distinct_paths(1'000'000), t);
  WARN("parsed 1,000,000 entries with 1,000,000 distinct paths in " << secs << " s");
  REQUIRE(t.targets.size() == 1'000'000);
  CHECK(decide(t, tuple("2001:db8:f:423f::1", 1)) == "unix:/srv/s999999.sock");
}

TEST_CASE("many sets load in linear time and are found by number", "[limits]") {
  std::string text;
  for (unsigned i = 0; i < 100'000; ++i)
    text += "rule-set:" + std::to_string(i * 2) + "\ndefault jump-unix:/s\n";
  text += "rule-set:1\ndefault jump-rule:199998\n";
  const Table t = parse_table(text);
  CHECK(t.rule_set_index(199'998) == 100'000);
  CHECK(t.rule_set_index(1) == 1);
  CHECK(t.rule_set_index(3) == -1);
  CHECK(t.map_set_index(0) == -1);
}
