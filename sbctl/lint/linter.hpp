// `sbctl check`: what is wrong or suspicious in a profile that parses.
// Errors make the profile unusable (apply refuses it); warnings point at
// routes and steering that do nothing, which is legal but rarely meant.
#pragma once

#include <string>
#include <vector>

#include "profile/profile.hpp"

namespace socketbox::sbctl {

struct Diagnostic {
  enum class Severity { Error, Warning } severity;
  Pos pos;
  std::string message;
  std::string format(const std::string& file) const {
    return located(file, pos, severity == Severity::Error ? "error" : "warning", message);
  }
};

// Diagnostics in profile order (by line).
std::vector<Diagnostic> lint_profile(const Profile& p);

bool has_errors(const std::vector<Diagnostic>& d);

}  // namespace socketbox::sbctl
