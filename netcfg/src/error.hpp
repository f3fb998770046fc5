// How netcfg reports failures: NetcfgError with what failed and strerror.
#pragma once

#include <string>

#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {

// Another tool changed the kernel state between netcfg's reading it and its
// commit, and nothing was changed: read again and retry (retry.hpp).
class ConcurrentChange : public NetcfgError {
 public:
  using NetcfgError::NetcfgError;
};

// Throws NetcfgError("WHAT: strerror(err)").
[[noreturn]] void throw_errno(const std::string& what, int err);
// Throws NetcfgError(what).
[[noreturn]] void throw_error(const std::string& what);

}  // namespace socketbox::netcfg
