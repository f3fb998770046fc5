// Turns the socketbox table read from the kernel back into steer blocks,
// and lists whatever in it netcfg would not have put there.
#pragma once

#include <string>
#include <vector>

#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_steps.hpp"

namespace socketbox::netcfg {

struct Interpreted {
  DesiredState steering;
  // local_clients means something; tproxy_port too if a block has no own port.
  bool has_rules = false;
  std::vector<NftItem> items;  // what was recognised, named
  std::vector<std::string> unrecognized;
  std::vector<LimitTrips> limit_trips;
  std::vector<SteerCounter> steer_counters;  // of the blocks with their own port
};

Interpreted interpret_nft(const NftObjects& table);

}  // namespace socketbox::netcfg
