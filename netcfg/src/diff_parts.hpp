// The two halves of diff(), which apply() also uses to decide what to touch.
#pragma once

#include <vector>

#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {

std::vector<Change> diff_nft(const DesiredState& desired, const KernelState& actual);
std::vector<Change> diff_routes(const DesiredState& desired, const KernelState& actual);
// Every prefix of every steer block, sorted, once each.
std::vector<Prefix> desired_routes(const DesiredState& desired);

}  // namespace socketbox::netcfg
