// The two halves of diff() and the route text, which apply() and the route
// code of the kernel part also use.
#pragma once

#include <string>
#include <vector>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

std::vector<Change> diff_nft(const DesiredState& desired, const KernelState& actual);
std::vector<Change> diff_routes(const DesiredState& desired, const KernelState& actual);
// "route local fd01:db8:1:40::/64 dev lo"
std::string route_text(const Prefix& p);
// Every prefix of every steer block, sorted, once each.
std::vector<Prefix> desired_routes(const DesiredState& desired);

}  // namespace socketbox::netcfg
