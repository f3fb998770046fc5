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
  CHECK(text.find("max-maps:2\n") != std::string::npos);
  CHECK(text.find("max-rules:1\n") != std::string::npos);
  CHECK(text.find("rule-set:0 size:1\n") != std::string::npos);
  CHECK(text.find("ip:2001:db8::/ffff:ffff::ffff port:22 rip:fd00::/8 rport:9 fail\n") !=
        std::string::npos);
  CHECK(text.find("default jump-map:1\n") != std::string::npos);
  CHECK(text.find("map-set:1 size:1 match-rip:128\nrip:::1 jump-fd:4\n") != std::string::npos);
}
