#include "socketbox/net/port_range.hpp"

#include <catch2/catch.hpp>

using socketbox::net::PortRange;

TEST_CASE("port ranges compare by low end, then high end") {
  CHECK(PortRange{22, 22} == PortRange{22, 22});
  CHECK(PortRange{22, 22} < PortRange{80, 80});
  CHECK(PortRange{80, 80} < PortRange{80, 443});
}

TEST_CASE("port ranges print as profiles and nft write them") {
  CHECK(PortRange{22, 22}.str() == "22");
  CHECK(PortRange{8000, 8100}.str() == "8000-8100");
  CHECK(socketbox::net::join_ports({{22, 22}, {80, 80}, {8000, 8100}}) == "22, 80, 8000-8100");
  CHECK(socketbox::net::join_ports({}).empty());
}
