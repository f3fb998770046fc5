// Draining a route: sending its connections elsewhere for a while without
// editing the profile (`sbctl drain ROUTE [--to TARGET]`, `sbctl undrain`).
// The drains in force are recorded with the generation; the profile stays
// what was applied, and the table is compiled from it with the drains laid
// over it.
#pragma once

#include <string>
#include <vector>

#include "profile/profile.hpp"

namespace socketbox::sbctl {

struct Drain {
  std::string route;  // the route's name
  std::string to;     // "unix:/PATH", or "" = the rest of its failover list
  bool operator==(const Drain&) const = default;
};

// Sets the routes' targets as the drains say. Throws std::invalid_argument
// with one line for a drain that cannot be laid over this profile: no route
// of that name, or no --to for a route that is not a failover list.
void apply_drains(Profile& p, const std::vector<Drain>& drains);

// Checks a --to TARGET ("unix:/PATH"); returns the problem, or "".
std::string drain_target_problem(const std::string& to);

}  // namespace socketbox::sbctl
