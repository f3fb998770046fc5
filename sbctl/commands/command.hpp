// What every command shares: exit codes, and loading a profile with its
// lint results printed.
#pragma once

#include <string>
#include <vector>

#include "compile/table_compiler.hpp"
#include "lint/linter.hpp"
#include "profile/profile.hpp"

namespace socketbox::sbctl {

// Exit codes, as diff(1) uses them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitChanges = 1;  // diff: differences found; status: drift
inline constexpr int kExitError = 2;

// A command that already printed its error(s) and ends with `code`.
struct Reported {
  int code = kExitError;
};

struct LoadedProfile {
  Profile profile;
  std::string text;
  CompiledTable compiled;
  std::vector<Diagnostic> diagnostics;
};

// Parses, lints and compiles. Prints every diagnostic (warnings only when
// `show_warnings`); throws Reported on errors (and on warnings if `strict`).
LoadedProfile load_profile_checked(const std::string& path, bool show_warnings = true,
                                   bool strict = false);

// --netns wins over the profile's netns key.
std::string pick_netns(const std::string& flag, const std::string& from_profile);
std::string absolute_path(const std::string& path);

}  // namespace socketbox::sbctl
