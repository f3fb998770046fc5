// The meaning of a route list, evaluated directly: the first route whose
// dest, port and from all match takes the connection. The compiled table must
// agree with this for every tuple; explain and the tests use it as reference.
#pragma once

#include <cstddef>
#include <optional>

#include "profile/profile.hpp"
#include "socketbox/table/address.hpp"

namespace socketbox::sbctl {

bool route_matches(const Route& r, const table::Tuple& t) noexcept;

// Index of the route that takes the connection, or nullopt (closed).
std::optional<std::size_t> first_matching_route(const Profile& p, const table::Tuple& t) noexcept;

}  // namespace socketbox::sbctl
