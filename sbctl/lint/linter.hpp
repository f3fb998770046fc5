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

// What the linter knows of the box beyond the profile.
struct LintEnvironment {
  // sbd's installed unit has PrivateTmp=yes: it cannot see sockets under /tmp.
  bool sbd_private_tmp = false;
};

// Diagnostics in profile order (by line).
std::vector<Diagnostic> lint_profile(const Profile& p, const LintEnvironment& env = {});

// The environment of this box: reads sbd.service where systemd would find it.
LintEnvironment box_lint_environment();

bool has_errors(const std::vector<Diagnostic>& d);

}  // namespace socketbox::sbctl
