// The four values a lookup works on, in socketbox's address form
// (socketbox/net/address.hpp: IPv4 carried IPv4-mapped, as the kernel
// reports it on sbd's dual-stack socket).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

#include "socketbox/net/address.hpp"

namespace socketbox::table {

// One address type for socketbox (socketbox/net/address.hpp); the lookup
// code names it here.
using Addr = net::Addr;
using net::format_addr;
using net::parse_addr;

// The four values a lookup works on, read from an accepted socket.
struct Tuple {
  Addr local;
  Addr remote;
  std::uint16_t lport = 0;
  std::uint16_t rport = 0;
};

// Builds a Tuple from the results of getsockname()/getpeername(). AF_INET
// addresses are mapped; false for any other family.
bool tuple_from_sockaddrs(const sockaddr* local, const sockaddr* remote, Tuple& out) noexcept;

}  // namespace socketbox::table
