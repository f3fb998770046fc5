// Reads the socketbox nft table back from the kernel as libnftnl objects,
// ready to be loaded again by replace_nft_table() (handles stripped).
#pragma once

#include <optional>

#include "nft_objects.hpp"

namespace socketbox::netcfg {

// nullopt when the table does not exist. The dumps are repeated if the
// ruleset changed while they ran (nf_tables generation id), so the result
// is one consistent snapshot.
std::optional<NftObjects> read_nft_table();

}  // namespace socketbox::netcfg
