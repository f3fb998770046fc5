#include <catch2/catch.hpp>

#include "model_support.hpp"
#include "socketbox/netcfg/model.hpp"

using namespace socketbox::netcfg;

namespace {
using model_test::P;
}  // namespace

TEST_CASE("render_nft prints the table as nft lists it, after the replace preamble") {
  DesiredState d;
  d.steers.push_back({{P("192.0.2.0/24"), P("fd01:db8:1:40::/64"), P("198.51.100.7")},
                      {{443, 443}, {22, 22}, {80, 80}, {8000, 8100}}});
  d.steers.push_back({{P("203.0.113.128/25")}, {}});
  d.tproxy_port = 7;
  const std::string expected =
      "# socketbox steering table. Loading this file replaces the whole table\n"
      "# in one transaction (the first line makes the delete succeed when absent).\n"
      "table inet socketbox\n"
      "delete table inet socketbox\n"
      "table inet socketbox {\n"
      "\tset s06 {\n"
      "\t\ttype ipv6_addr\n"
      "\t\tflags interval\n"
      "\t\telements = { fd01:db8:1:40::/64 }\n"
      "\t}\n"
      "\n"
      "\tset s04 {\n"
      "\t\ttype ipv4_addr\n"
      "\t\tflags interval\n"
      "\t\telements = { 192.0.2.0/24, 198.51.100.7 }\n"
      "\t}\n"
      "\n"
      "\tset s0p {\n"
      "\t\ttype inet_service\n"
      "\t\tflags interval\n"
      "\t\telements = { 22, 80, 443, 8000-8100 }\n"
      "\t}\n"
      "\n"
      "\tset s14 {\n"
      "\t\ttype ipv4_addr\n"
      "\t\tflags interval\n"
      "\t\telements = { 203.0.113.128/25 }\n"
      "\t}\n"
      "\n"
      "\tchain prerouting {\n"
      "\t\ttype filter hook prerouting priority mangle; policy accept;\n"
      "\t\tiif != \"lo\" ip6 daddr @s06 tcp dport @s0p tproxy ip6 to [::ffff:127.0.0.1]:7 accept\n"
      "\t\tiif != \"lo\" ip daddr @s04 tcp dport @s0p tproxy ip to 127.0.0.1:7 accept\n"
      "\t\tiif != \"lo\" ip daddr @s14 meta l4proto tcp tproxy ip to 127.0.0.1:7 accept\n"
      "\t}\n"
      "}\n";
  CHECK(render_nft(d) == expected);
}

TEST_CASE("render_nft with local clients drops the loopback exclusion") {
  DesiredState d;
  d.local_clients = true;
  d.steers.push_back({{P("fd01:db8:1:40::/64")}, {{443, 443}}});
  const std::string text = render_nft(d);
  CHECK(
      text.find("\t\tip6 daddr @s06 tcp dport @s0p tproxy ip6 to [::ffff:127.0.0.1]:1 accept\n") !=
      std::string::npos);
  CHECK(text.find("iif") == std::string::npos);
}

TEST_CASE("render_nft of no steer blocks is an empty chain") {
  const std::string text = render_nft(DesiredState{});
  CHECK(text.find("\tchain prerouting {\n\t\ttype filter hook prerouting priority mangle; policy "
                  "accept;\n\t}\n}\n") != std::string::npos);
  CHECK(text.find("set ") == std::string::npos);
}
