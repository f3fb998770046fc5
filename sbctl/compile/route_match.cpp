#include "compile/route_match.hpp"

namespace socketbox::sbctl {

bool route_matches(const Route& r, const table::Tuple& t) noexcept {
  return (!r.dest || r.dest->contains(t.local)) && r.ports.contains(t.lport) &&
         (!r.from || r.from->contains(t.remote));
}

std::optional<std::size_t> first_matching_route(const Profile& p, const table::Tuple& t) noexcept {
  for (std::size_t i = 0; i < p.routes.size(); ++i)
    if (route_matches(p.routes[i], t)) return i;
  return std::nullopt;
}

}  // namespace socketbox::sbctl
