// Builds the libnftnl objects of the socketbox table for a DesiredState.
#pragma once

#include "nft_objects.hpp"
#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {

// `desired` must be normalized and valid (see normalize(), validate()).
NftObjects build_nft(const DesiredState& desired);

}  // namespace socketbox::netcfg
