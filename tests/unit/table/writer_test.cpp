#include "socketbox/table/writer.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "socketbox/table/parser.hpp"
#include "test_support.hpp"

using namespace socketbox::table;
using sbtest::decide;
using sbtest::tuple;

TEST_CASE("writing a table and reading it back decides the same", "[writer]") {
  const Table original = load_table_file(SB_TEST_DATA_DIR "/seed.conf");
  const std::string text = format_table(original);
  const Table again = parse_table(text, "written");
  CHECK(format_table(again) == text);

  std::mt19937 rng(42);
  const char* hosts[] = {"fd01:db8:1:40::1:10", "fd01:db8:1:40::1:11", "fd01:db8:1:40::1:f",
                         "fd01:db8:1:40:0:64:c000:201", "fd01:db8:1:41::1"};
  const std::uint16_t ports[] = {22, 80, 443, 8080};
  for (int i = 0; i < 200; ++i) {
    const auto tu = tuple(hosts[rng() % 5], ports[rng() % 4]);
    CHECK(decide(original, tu) == decide(again, tu));
  }
}

TEST_CASE("written tables carry sizes the original socketbox needs", "[writer]") {
  const Table t = parse_table(
      "rule-set:0\nip:2001:db8::/ffff:ffff::ffff port:22 rport:9 rip:fd00::/8 fail\n"
      "default jump-map:1\nmap-set:1 match-rip:128\nrip:::1 jump-fd:4\n");
  const std::string text = format_table(t);
  CHECK(text.find("max-maps:2 max-rules:1\n") != std::string::npos);
  CHECK(text.find("rule-set:0 size:1\n") != std::string::npos);
  CHECK(text.find("ip:2001:db8::/ffff:ffff::ffff port:22 rip:fd00::/8 rport:9 fail\n") !=
        std::string::npos);
  CHECK(text.find("default jump-map:1\n") != std::string::npos);
  CHECK(text.find("map-set:1 match-rip:128 size:1\nrip:::1 jump-fd:4\n") != std::string::npos);
}

TEST_CASE("notes add comments and tag each written line", "[writer]") {
  const Table t = parse_table(
      "rule-set:0\nport:22 jump-unix:/a\nport:80 fail\ndefault jump-map:1\n"
      "map-set:1 match-lip:128\nip:fd00::1 jump-unix:/b\n");
  TableNotes n;
  n.header = {"made by a test"};
  n.map_set_comment = {"the map"};
  n.rules = {{{"first route", "", 7}, {"", "trailing", 8}}};
  n.entries = {{{"", "entry", 9}}};
  n.order = {{true, 0}, {false, 0}};  // the map first
  const WrittenTable w = format_table(t, n);
  CHECK(w.text ==
        "# made by a test\n"
        "max-maps:2 max-rules:1\n"
        "\n"
        "# the map\n"
        "map-set:1 match-lip:128 size:1\n"
        "ip:fd00::1 jump-unix:/b  # entry\n"
        "\n"
        "rule-set:0 size:2\n"
        "# first route\n"
        "port:22 jump-unix:/a\n"
        "port:80 fail  # trailing\n"
        "default jump-map:1\n");
  const std::vector<long> tags{-1, -1, -1, -1, -1, 9, -1, -1, -1, 7, 8, -1};
  CHECK(w.tag_of_line == tags);
  CHECK(format_table(parse_table(w.text)) == format_table(t));
}

TEST_CASE("one placeholder rule for parser and expansion", "[writer]") {
  CHECK(placeholder_at("/s/#//0_.sock", 3));
  CHECK(placeholder_at("#//P_", 0));
  CHECK_FALSE(placeholder_at("#//8_", 0));
  CHECK_FALSE(placeholder_at("#//P", 0));
  CHECK(make_target("/s/#//7_").has_placeholders);
  CHECK_FALSE(make_target("/s/#/7_").has_placeholders);
}

TEST_CASE("jump-unix-any is written as read; tables without it are unchanged", "[writer]") {
  const std::string text =
      "rule-set:0\nport:80 jump-unix-any:/run/a.sock,/run/b.sock,/run/c.sock\n"
      "default jump-unix:/run/a.sock\n";
  const Table t = parse_table(text);
  const std::string written = format_table(t);
  CHECK(written.find("port:80 jump-unix-any:/run/a.sock,/run/b.sock,/run/c.sock\n") !=
        std::string::npos);
  const Table back = parse_table(written);
  CHECK(format_table(back) == written);
  CHECK(back.lookup(sbtest::tuple("2001:db8::1", 80)).kind == ActionKind::UnixAny);
  CHECK(sbtest::decide(back, sbtest::tuple("2001:db8::1", 80)) ==
        "unix-any:/run/a.sock,/run/b.sock,/run/c.sock");
  CHECK(format_table(parse_table("rule-set:0\ndefault jump-unix:/run/a.sock\n"))
            .find("jump-unix-any") == std::string::npos);
}

TEST_CASE("listener lines are written after the counts, in order, and read back",
          "[writer][listener]") {
  const std::string text =
      "listener:9000 jump-unix:/run/b.sock\nlistener:80 jump-unix:/run/a.sock\n"
      "rule-set:0\ndefault jump-unix:/run/a.sock\n";
  const Table t = parse_table(text);
  const std::string written = format_table(t);
  CHECK(written ==
        "max-rules:1\nlistener:9000 jump-unix:/run/b.sock\nlistener:80 jump-unix:/run/a.sock\n\n"
        "rule-set:0 size:1\ndefault jump-unix:/run/a.sock\n");
  const Table again = parse_table(written);
  REQUIRE(again.listeners.size() == 2);
  CHECK(again.listeners[0].port == 9000);
  CHECK(again.listeners[0].path == "/run/b.sock");
  CHECK(again.listeners[1].port == 80);
  CHECK(again.listeners[1].path == "/run/a.sock");
  CHECK(format_table(again) == written);

  // Built by hand, as sbctl's compiler does.
  Table h = parse_table("rule-set:0\n");
  const std::string plain = format_table(h);
  CHECK(plain.find("listener") == std::string::npos);
  h.listeners.push_back({8080, "/run/c.sock", {}});
  CHECK(format_table(h) == "max-rules:1\nlistener:8080 jump-unix:/run/c.sock\n" +
                               plain.substr(std::string("max-rules:1\n").size()));
}
