#include "socketbox/net/port_range.hpp"

#include <catch2/catch.hpp>

using socketbox::net::PortRange;

TEST_CASE("port ranges compare by low end, then high end") {
  CHECK(PortRange{22, 22} == PortRange{22, 22});
  CHECK(PortRange{22, 22} < PortRange{80, 80});
  CHECK(PortRange{80, 80} < PortRange{80, 443});
}
