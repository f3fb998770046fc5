// The socketbox nft table as libnftnl objects: what nft_build makes from a
// DesiredState, what nft_read dumps from the kernel, and what nft_replace
// loads (so a table read before a change can be put back exactly).
#pragma once

#include <vector>

#include "handles.hpp"

namespace socketbox::netcfg {

struct NftObjects {
  TablePtr table;
  std::vector<ChainPtr> chains;
  std::vector<SetPtr> sets;  // each holds its elements
  std::vector<RulePtr> rules;
};

}  // namespace socketbox::netcfg
