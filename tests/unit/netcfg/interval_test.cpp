#include "socketbox/netcfg/interval.hpp"

#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "model_support.hpp"

using namespace socketbox::netcfg;

namespace {
using model_test::P;
}  // namespace

TEST_CASE("A prefix is the interval [start, end) with an exclusive end") {
  KeyRange r = prefix_range(P("192.0.2.0/24"));
  CHECK(r.start == Key{192, 0, 2, 0});
  REQUIRE(r.end);
  CHECK(*r.end == Key{192, 0, 3, 0});

  KeyRange host = prefix_range(P("198.51.100.7"));
  CHECK(*host.end == Key{198, 51, 100, 8});

  // Up to the largest address: no end element, as nft does.
  CHECK_FALSE(prefix_range(P("255.255.255.255")).end);
  CHECK_FALSE(prefix_range(P("::/0")).end);
  CHECK_FALSE(prefix_range(P("ff00::/8")).end);
}

TEST_CASE("Intervals map back to the prefixes that cover them") {
  for (const char* s : {"192.0.2.0/24", "198.51.100.7", "0.0.0.0/0", "255.255.255.0/24",
                        "fd01:db8:1:40::/64", "::/0", "ff00::/8", "fd01:db8:1:40::1:10"}) {
    INFO(s);
    Prefix p = P(s);
    auto back = prefixes_from_range(p.family(), prefix_range(p));
    REQUIRE(back.size() == 1);
    CHECK(back[0] == p);
  }
  // A range that is not one block splits into the aligned blocks.
  KeyRange r{{192, 0, 2, 0}, Key{192, 0, 2, 192}};
  auto parts = prefixes_from_range(AF_INET, r);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].str() == "192.0.2.0/25");
  CHECK(parts[1].str() == "192.0.2.128/26");
  // IPv6 across the 64-bit halves, and open-ended up to the largest address.
  KeyRange v6{prefix_range(P("fd01:0:0:1::/64")).start, prefix_range(P("fd01:0:0:4::/64")).start};
  auto six = prefixes_from_range(AF_INET6, v6);
  REQUIRE(six.size() == 2);
  CHECK(six[0].str() == "fd01:0:0:1::/64");
  CHECK(six[1].str() == "fd01:0:0:2::/63");
  KeyRange top{prefix_range(P("ffff:ffff:ffff:ffff:8000::/65")).start, std::nullopt};
  auto tail = prefixes_from_range(AF_INET6, top);
  REQUIRE(tail.size() == 1);
  CHECK(tail[0].str() == "ffff:ffff:ffff:ffff:8000::/65");
}

TEST_CASE("Port ranges become big-endian intervals and back") {
  KeyRange r = port_range({8000, 8100});
  CHECK(r.start == Key{0x1f, 0x40});
  CHECK(*r.end == Key{0x1f, 0xa5});
  CHECK(ports_from_range(r) == PortRange{8000, 8100});
  KeyRange top = port_range({65535, 65535});
  CHECK_FALSE(top.end);
  CHECK(ports_from_range(top) == PortRange{65535, 65535});
}

TEST_CASE("Overlap of prefixes") {
  CHECK(overlaps(P("192.0.2.0/24"), P("192.0.2.128/25")));
  CHECK(overlaps(P("192.0.2.128/25"), P("192.0.2.0/24")));
  CHECK_FALSE(overlaps(P("192.0.2.0/25"), P("192.0.2.128/25")));
  CHECK_FALSE(overlaps(P("192.0.2.0/24"), P("::/0")));
  CHECK(overlaps(P("::/0"), P("fd00::1")));
}
