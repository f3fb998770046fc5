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
  bool has_rules = false;      // tproxy_port and local_clients mean something
  std::vector<NftItem> items;  // what was recognised, named
  std::vector<std::string> unrecognized;
  std::vector<LimitTrips> limit_trips;
};

Interpreted interpret_nft(const NftObjects& table);

}  // namespace socketbox::netcfg
