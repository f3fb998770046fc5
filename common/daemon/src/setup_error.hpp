// A setup step that failed: one line for the operator, and the exit code.
#pragma once

#include <stdexcept>
#include <string>

#include "exit_codes.hpp"

namespace socketbox::daemon {

class SetupError : public std::runtime_error {
 public:
  explicit SetupError(const std::string& msg, int exit_code = kExitFailure)
      : std::runtime_error(msg), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

// "what: strerror(err)"
std::string errno_text(const std::string& what, int err);

}  // namespace socketbox::daemon
