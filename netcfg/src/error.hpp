// How netcfg reports failures: NetcfgError with what failed and strerror.
#pragma once

#include <string>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

// Throws NetcfgError("WHAT: strerror(err)").
[[noreturn]] void throw_errno(const std::string& what, int err);
// Throws NetcfgError(what).
[[noreturn]] void throw_error(const std::string& what);

}  // namespace socketbox::netcfg
