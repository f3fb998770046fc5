// Reads the socketbox nft table back from the kernel as libnftnl objects,
// ready to be loaded again by replace_nft_table() (handles stripped).
#pragma once

#include <cstdint>
#include <optional>

#include "nft_objects.hpp"

namespace socketbox::netcfg {

struct NftSnapshot {
  std::optional<NftObjects> table;  // nullopt: the table does not exist
  std::uint32_t generation = 0;     // nf_tables generation it was read at
};

class NftMonitor;

// The dumps are repeated if the socketbox table changed while they ran, so
// the result is one consistent snapshot (commits to other tables meanwhile
// do not matter). `monitor` (made before the call) follows the commits; the
// caller can ask it later whether any touched the table since the read
// began. nullptr: one is made for the call.
NftSnapshot read_nft_table(NftMonitor* monitor = nullptr);

// The nf_tables generation of the current network namespace (all 32 bits).
std::uint32_t read_nft_generation();

}  // namespace socketbox::netcfg
