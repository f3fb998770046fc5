// `apply --probe ADDR:PORT[@NETNS]`: a destination the confirm watcher
// connects to after applying, to check that the route the new generation
// gives it is the one the connection took.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "socketbox/table/address.hpp"

namespace socketbox::sbctl {

struct ProbeSpec {
  table::Addr addr;
  std::uint16_t port = 0;
  std::string netns;  // empty: the box's own namespace
  bool v4 = false;    // written as A.B.C.D (connect with AF_INET)
};

// Parses "[2001:db8::10]:80", "192.0.2.9:80", either with "@NETNS". On a bad
// form: nullopt, and `error` says what is wrong in one line.
std::optional<ProbeSpec> parse_probe(std::string_view text, std::string& error);

// "[2001:db8::10]:80@client", "192.0.2.9:80": how messages name a probe.
std::string probe_label(const ProbeSpec& p);

}  // namespace socketbox::sbctl
