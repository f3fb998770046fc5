// Replacing the socketbox table as ONE nf_tables transaction.
#pragma once

#include "nft_objects.hpp"

namespace socketbox::netcfg {

// In one batch: add the table (so the delete cannot fail when it is absent),
// delete it, then add `objects` (table, chains, sets with elements, rules).
// With objects == nullptr the table is only removed. All or nothing.
void replace_nft_table(const NftObjects* objects);

}  // namespace socketbox::netcfg
