// What every command shares: exit codes, loading a profile with its lint
// results printed, and the registration hook each command file provides.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "compile/table_compiler.hpp"
#include "lint/linter.hpp"
#include "profile/profile.hpp"

namespace socketbox::sbctl {

// Exit codes, as diff(1) uses them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitChanges = 1;  // diff: differences found
inline constexpr int kExitError = 2;

// A command that already printed its error(s) and ends with `code`.
struct Reported {
  int code = kExitError;
};

// The command picked on the command line, run by main after parsing.
using Runner = std::function<int()>;

struct LoadedProfile {
  Profile profile;
  std::string text;
  CompiledTable compiled;
  std::vector<Diagnostic> diagnostics;
};

// Parses, lints and compiles. Prints every diagnostic (warnings only when
// `show_warnings`); throws Reported on errors (and on warnings if `strict`).
LoadedProfile load_profile_checked(const std::string& path, bool show_warnings = true, bool strict = false);

// --netns wins over the profile's netns key.
std::string pick_netns(const std::string& flag, const std::string& from_profile);
std::string absolute_path(const std::string& path);

void add_check_command(CLI::App& app, Runner& run);
void add_compile_command(CLI::App& app, Runner& run);
void add_explain_command(CLI::App& app, Runner& run);
void add_diff_command(CLI::App& app, Runner& run);
void add_apply_command(CLI::App& app, Runner& run);
void add_confirm_command(CLI::App& app, Runner& run);
void add_rollback_command(CLI::App& app, Runner& run);
void add_down_command(CLI::App& app, Runner& run);
void add_status_command(CLI::App& app, Runner& run);

}  // namespace socketbox::sbctl
