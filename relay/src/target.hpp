// Where a relay connects: "tcp:HOST:PORT" (HOST an IPv4 address or a
// bracketed IPv6 one; no name lookups, the relay must not block) or
// "unix:PATH" (a stream socket).
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace socketbox::relay {

struct Target {
  std::string text;  // as written, for status and logs
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  int family() const noexcept { return addr.ss_family; }
};

// Parses `s` into `out`; on failure returns false and sets `error` to one
// line saying why.
bool parse_target(std::string_view s, Target& out, std::string& error);

}  // namespace socketbox::relay
