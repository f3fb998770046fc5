// Parsing of sb-preload mappings (shared by the wrapper and the library).
#include "socketbox/preload/map_spec.hpp"

#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

using namespace socketbox::preload;

namespace {

std::string parse_error(const std::string& text) {
  MapSpec m;
  const char* why = nullptr;
  if (parse_map(text.data(), text.size(), m, &why)) return "";
  return why;
}

std::string formatted(const MapSpec& m) {
  char buf[80];
  format_address(reinterpret_cast<const sockaddr*>(&m.addr), buf, sizeof buf);
  return buf;
}

}  // namespace

TEST_CASE("wildcard and specific addresses of both families parse") {
  struct Case {
    const char* text;
    int family;
    const char* shown;
  };
  for (Case c : {Case{"[::]:80=/run/a.sock", AF_INET6, "[::]:80"},
                 Case{"0.0.0.0:22=/run/b", AF_INET, "0.0.0.0:22"},
                 Case{"[2001:db8::1]:443=/x", AF_INET6, "[2001:db8::1]:443"},
                 Case{"192.0.2.7:65535=/y", AF_INET, "192.0.2.7:65535"},
                 Case{"[::ffff:127.0.0.1]:1=/z", AF_INET6, "[::ffff:127.0.0.1]:1"}}) {
    MapSpec m;
    const char* why = nullptr;
    INFO(c.text);
    REQUIRE(parse_map(c.text, std::strlen(c.text), m, &why));
    CHECK(m.addr.ss_family == c.family);
    CHECK(m.addr_len == (c.family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
    CHECK(formatted(m) == c.shown);
  }
  MapSpec m;
  const char* why = nullptr;
  std::string t = "[::]:80=/run/socket=with=equals";
  REQUIRE(parse_map(t.data(), t.size(), m, &why));
  CHECK(std::string(m.path) == "/run/socket=with=equals");
}

TEST_CASE("bad mappings say what is wrong") {
  CHECK(parse_error("[::]:80") == "expected ADDR:PORT=PATH");
  CHECK(parse_error("80=/x") == "expected ADDR:PORT before '='");
  CHECK(parse_error("[::]:0=/x") == "port must be a number from 1 to 65535");
  CHECK(parse_error("[::]:65536=/x") == "port must be a number from 1 to 65535");
  CHECK(parse_error("[::]:8a=/x") == "port must be a number from 1 to 65535");
  CHECK(parse_error("[::]:=/x") == "port must be a number from 1 to 65535");
  CHECK(parse_error(":80=/x") == "missing address (use [::] or 0.0.0.0 for any)");
  CHECK(parse_error("::1:80=/x") == "address is not an IPv4 address or a bracketed IPv6 address");
  CHECK(parse_error("[::1:80=/x") == "IPv6 address must be in brackets: [ADDR]:PORT");
  CHECK(parse_error("[fe80::zz]:80=/x") == "invalid IPv6 address");
  CHECK(parse_error("[1.2.3.4]:80=/x") == "invalid IPv6 address");
  CHECK(parse_error("300.1.1.1:80=/x") ==
        "address is not an IPv4 address or a bracketed IPv6 address");
  CHECK(parse_error("localhost:80=/x") ==
        "address is not an IPv4 address or a bracketed IPv6 address");
  CHECK(parse_error("[::]:80=") == "missing socket path after '='");
  CHECK(parse_error("[::]:80=relative.sock") == "socket path must be absolute");
  CHECK(parse_error("[::]:80=/" + std::string(107, 'p')) == "socket path is longer than 107 bytes");
  CHECK(parse_error("[::]:80=/" + std::string(106, 'p')) == "");
}

TEST_CASE("a list is newline separated; duplicates and junk are refused") {
  MapSpec maps[kMaxMaps];
  int n = -1;
  char err[300];
  REQUIRE(parse_map_list("[::]:80=/a\n\n0.0.0.0:80=/b\n", maps, kMaxMaps, n, err, sizeof err));
  CHECK(n == 2);
  CHECK(std::string(maps[1].path) == "/b");

  REQUIRE(parse_map_list("", maps, kMaxMaps, n, err, sizeof err));
  CHECK(n == 0);

  CHECK_FALSE(parse_map_list("[::]:80=/a\nnonsense", maps, kMaxMaps, n, err, sizeof err));
  CHECK(std::string(err) == "mapping 2 'nonsense': expected ADDR:PORT=PATH");
  CHECK_FALSE(parse_map_list("[::]:80=/a\n[::0]:80=/b", maps, kMaxMaps, n, err, sizeof err));
  CHECK(std::string(err) == "mapping 2 '[::0]:80=/b': address and port mapped twice");
  CHECK_FALSE(parse_map_list("[::]:80=/a\n[::]:81=/a", maps, kMaxMaps, n, err, sizeof err));
  CHECK(std::string(err) == "mapping 2 '[::]:81=/a': socket path used twice");
  CHECK_FALSE(parse_map_list("[::]:1=/a\n[::]:2=/b\n[::]:3=/c", maps, 2, n, err, sizeof err));
  CHECK(std::string(err) == "more than 2 mappings");
}

TEST_CASE("a mapping matches only the exact address, port and family bound") {
  MapSpec any6, one4;
  const char* why;
  REQUIRE(parse_map("[::]:80=/a", 10, any6, &why));
  REQUIRE(parse_map("192.0.2.1:80=/b", 15, one4, &why));

  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(80);
  a6.sin6_addr = in6addr_any;
  CHECK(map_matches(any6, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  a6.sin6_port = htons(81);
  CHECK_FALSE(map_matches(any6, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  a6.sin6_port = htons(80);
  a6.sin6_addr = in6addr_loopback;  // a specific bind is not the wildcard
  CHECK_FALSE(map_matches(any6, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  CHECK_FALSE(map_matches(any6, reinterpret_cast<sockaddr*>(&a6), sizeof(sockaddr_in)));  // short

  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = htons(80);
  inet_pton(AF_INET, "192.0.2.1", &a4.sin_addr);
  CHECK(map_matches(one4, reinterpret_cast<sockaddr*>(&a4), sizeof a4));
  CHECK_FALSE(map_matches(any6, reinterpret_cast<sockaddr*>(&a4), sizeof a4));
  inet_pton(AF_INET, "192.0.2.2", &a4.sin_addr);
  CHECK_FALSE(map_matches(one4, reinterpret_cast<sockaddr*>(&a4), sizeof a4));
  CHECK_FALSE(map_matches(one4, nullptr, 0));
}

TEST_CASE("connect mappings: several addresses may share a path; v4-mapped dials match IPv4") {
  MapSpec maps[kMaxMaps];
  int n = -1;
  char err[300];
  // --connect: two addresses of one server lead to the same receiving socket.
  REQUIRE(parse_map_list("[fd00::1]:80=/srv.sock\n192.0.2.1:80=/srv.sock", maps, kMaxMaps, n, err,
                         sizeof err, false));
  CHECK(n == 2);
  CHECK_FALSE(parse_map_list("[fd00::1]:80=/a\n[fd00::1]:80=/b", maps, kMaxMaps, n, err, sizeof err,
                             false));
  CHECK(std::string(err) == "mapping 2 '[fd00::1]:80=/b': address and port mapped twice");
  CHECK_FALSE(parse_map_list("[fd00::1]:80=relative", maps, kMaxMaps, n, err, sizeof err, false));
  CHECK(std::string(err) == "mapping 1 '[fd00::1]:80=relative': socket path must be absolute");

  const MapSpec& six = maps[0];
  MapSpec four;
  const char* why;
  REQUIRE(parse_map("192.0.2.1:80=/b", 15, four, &why));
  REQUIRE(parse_map_list("[fd00::1]:80=/a", maps, kMaxMaps, n, err, sizeof err, false));

  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(80);
  inet_pton(AF_INET6, "fd00::1", &a6.sin6_addr);
  CHECK(connect_matches(six, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  a6.sin6_port = htons(8080);
  CHECK_FALSE(connect_matches(six, reinterpret_cast<sockaddr*>(&a6), sizeof a6));

  inet_pton(AF_INET6, "::ffff:192.0.2.1", &a6.sin6_addr);
  a6.sin6_port = htons(80);
  CHECK(connect_matches(four, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  CHECK_FALSE(connect_matches(four, reinterpret_cast<sockaddr*>(&a6), sizeof(sockaddr_in)));
  inet_pton(AF_INET6, "::ffff:192.0.2.2", &a6.sin6_addr);
  CHECK_FALSE(connect_matches(four, reinterpret_cast<sockaddr*>(&a6), sizeof a6));

  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = htons(80);
  inet_pton(AF_INET, "192.0.2.1", &a4.sin_addr);
  CHECK(connect_matches(four, reinterpret_cast<sockaddr*>(&a4), sizeof a4));
  CHECK_FALSE(connect_matches(six, reinterpret_cast<sockaddr*>(&a4), sizeof a4));
  CHECK_FALSE(connect_matches(four, nullptr, 0));
}
