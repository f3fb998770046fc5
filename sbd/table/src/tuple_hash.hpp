// The hash of a masked tuple, shared by compiled rule sets and map sets.
#pragma once

#include <cstdint>

#include "socketbox/table/address.hpp"

namespace socketbox::table::detail {

// Independent multiplies (they run in parallel), then a fold and one more
// multiply so that the top bits, which pick the slot, depend on every input
// bit. A few nanoseconds: a compiled rule set hashes once per shape.
inline std::uint64_t hash_tuple(const Addr& local, const Addr& remote,
                                std::uint32_t ports) noexcept {
  std::uint64_t h = local.hi * 0x9e3779b97f4a7c15ULL + local.lo * 0xc2b2ae3d27d4eb4fULL +
                    remote.hi * 0x165667b19e3779f9ULL + remote.lo * 0xd6e8feb86659fd93ULL +
                    std::uint64_t{ports} * 0xff51afd7ed558ccdULL;
  h ^= h >> 32;
  return h * 0x94d049bb133111ebULL;
}

}  // namespace socketbox::table::detail
