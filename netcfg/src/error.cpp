#include "error.hpp"

#include <cstring>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

void throw_errno(const std::string& what, int err) {
  throw NetcfgError(what + ": " + std::strerror(err));
}

void throw_error(const std::string& what) { throw NetcfgError(what); }

}  // namespace socketbox::netcfg
