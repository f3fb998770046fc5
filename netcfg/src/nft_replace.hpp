// Replacing the socketbox table as ONE nf_tables transaction.
#pragma once

#include <cstdint>
#include <optional>

#include "nft_objects.hpp"

namespace socketbox::netcfg {

// In one batch: add the table (so the delete cannot fail when it is absent),
// delete it, then add `objects` (table, chains, sets with elements, rules).
// With objects == nullptr the table is only removed. All or nothing.
// With `generation`, the kernel refuses the batch if the ruleset changed
// since that generation was read (NFNL_BATCH_GENID): a concurrent change is
// never overwritten unseen.
void replace_nft_table(const NftObjects* objects,
                       std::optional<std::uint32_t> generation = std::nullopt);

}  // namespace socketbox::netcfg
