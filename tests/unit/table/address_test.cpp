#include "socketbox/table/address.hpp"

#include <arpa/inet.h>

#include <catch2/catch.hpp>

using namespace socketbox::table;

TEST_CASE("tuples come from IPv6 and IPv4 socket addresses", "[address]") {
  sockaddr_in6 l6{};
  l6.sin6_family = AF_INET6;
  l6.sin6_port = htons(443);
  inet_pton(AF_INET6, "fd01:db8:1:40::1:10", &l6.sin6_addr);
  sockaddr_in r4{};
  r4.sin_family = AF_INET;
  r4.sin_port = htons(5555);
  inet_pton(AF_INET, "10.99.0.2", &r4.sin_addr);
  Tuple t;
  REQUIRE(
      tuple_from_sockaddrs(reinterpret_cast<sockaddr*>(&l6), reinterpret_cast<sockaddr*>(&r4), t));
  CHECK(t.lport == 443);
  CHECK(t.rport == 5555);
  CHECK(format_addr(t.remote) == "::ffff:10.99.0.2");

  sockaddr unix_addr{};
  unix_addr.sa_family = AF_UNIX;
  CHECK_FALSE(tuple_from_sockaddrs(&unix_addr, reinterpret_cast<sockaddr*>(&r4), t));
}
