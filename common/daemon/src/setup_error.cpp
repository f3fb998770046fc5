#include "setup_error.hpp"

#include <cstring>

namespace socketbox::daemon {

std::string errno_text(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

}  // namespace socketbox::daemon
