// One side of a generation: the kernel state and the table file, as files.
// The kernel state is written as a small profile (daemon listen port,
// local_clients, [[steer]] blocks), so it is readable and is read back with
// the profile parser.
#pragma once

#include <optional>
#include <string>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::sbctl {

struct Snapshot {
  std::optional<netcfg::DesiredState> kernel;  // nullopt: no socketbox nft table at all
  std::optional<std::string> table;            // nullopt: no table file
  // sb-relay's config file, recorded only by a generation that manages it.
  bool relay_recorded = false;
  std::optional<std::string> relay;  // nullopt: no file
};

std::string kernel_state_to_toml(const netcfg::DesiredState& d, const std::string& comment);
netcfg::DesiredState kernel_state_from_toml(const std::string& text, const std::string& source);

// DIR/kernel.toml or DIR/kernel.none, DIR/sbd.conf or DIR/sbd.conf.none,
// and when recorded DIR/relay.toml or DIR/relay.toml.none.
void save_snapshot(const Snapshot& s, const std::string& dir);
// `likely`: the kernel state the caller expects there; when the file holds
// exactly its text, it is taken without parsing (10,000 prefixes of TOML).
Snapshot load_snapshot(const std::string& dir,
                       const std::optional<netcfg::DesiredState>& likely = std::nullopt);

}  // namespace socketbox::sbctl
