// `sbctl explain`: which route takes a connection and why, traced through
// the compiled table, and whether the kernel steers it to sbd at all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/table_compiler.hpp"
#include "profile/profile.hpp"
#include "socketbox/netcfg/model.hpp"

namespace socketbox::sbctl {

struct SteerMatch {
  std::size_t block = 0;   // index in profile.steers
  std::size_t prefix = 0;  // index in that block's prefixes
};

// The [[steer]] block (and prefix) that sends ADDR:PORT to sbd, if any.
std::optional<SteerMatch> profile_steer_for(const Profile& p, const table::Addr& a,
                                            std::uint16_t port);

// Whether the kernel state read back steers ADDR:PORT: an nft steer covering
// address and port, and a local route for the address. `why` says which
// part is missing (or what matched).
bool kernel_steers(const netcfg::KernelState& k, const table::Addr& a, std::uint16_t port,
                   std::string& why);

struct Explanation {
  table::Tuple tuple;
  std::optional<std::size_t> route;  // by direct evaluation of the route list
  table::Action action;              // by the compiled table
  std::string verdict;  // "unix:/path", "unix-any:/a,/b", "closed" or "listener:PORT unix:/path"
  table::Trace trace;
  bool agrees = true;  // the table does what the route list says (always, unless sbctl has a bug)
  std::optional<SteerMatch> steer;  // none for a listener route (it steers itself)
  // A listener route's port: nft sends the connection to that listening
  // socket (verdict "listener:PORT unix:PATH"); 0 for a hand-off by sbd.
  std::uint16_t listener_port = 0;
};

Explanation explain(const Profile& p, const CompiledTable& c, const table::Tuple& t);

// Human-readable lines of the trace, e.g.
//   "rule-set:0 line 7 (route 2, profile.toml:9): port:443 jump-map:1".
std::vector<std::string> describe_trace(const Profile& p, const CompiledTable& c,
                                        const table::Trace& trace);

}  // namespace socketbox::sbctl
