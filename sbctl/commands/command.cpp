#include "commands/command.hpp"

#include <unistd.h>

#include <climits>
#include <cstdio>

#include "output/style.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {

namespace {

// A closing count when there is more than one line to count.
void print_error_summary(const std::string& path, std::size_t errors) {
  if (errors > 1) std::fprintf(stderr, "%s: %zu errors\n", path.c_str(), errors);
}

}  // namespace

LoadedProfile load_profile_checked(const std::string& path, bool show_warnings, bool strict) {
  LoadedProfile l;
  try {
    l.text = read_file(path);
  } catch (const FileError& e) {
    print_located(path + ": error: " + e.what());
    throw Reported{};
  }
  try {
    l.profile = parse_profile(l.text, path);
  } catch (const ProfileError& e) {
    for (const std::string& line : e.lines()) print_located(line);
    print_error_summary(path, e.problems().size());
    throw Reported{};
  }
  l.diagnostics = lint_profile(l.profile, box_lint_environment());
  std::size_t errors = 0;
  for (const auto& d : l.diagnostics) {
    const bool warning = d.severity == Diagnostic::Severity::Warning;
    if (warning && strict) {
      print_located(located(path, d.pos, "error", d.message + " (a warning; --strict refuses it)"));
    } else if (!warning || show_warnings) {
      print_located(d.format(path));
    }
    if (!warning || strict) ++errors;
  }
  if (errors) {
    print_error_summary(path, errors);
    throw Reported{};
  }
  l.compiled = compile_table(l.profile);
  return l;
}

std::string pick_netns(const std::string& flag, const std::string& from_profile) {
  return flag.empty() ? from_profile : flag;
}

std::string absolute_path(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof buf) == nullptr) return path;
  return std::string(buf) + "/" + path;
}

}  // namespace socketbox::sbctl
