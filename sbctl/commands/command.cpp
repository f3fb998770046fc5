#include "commands/command.hpp"

#include <unistd.h>

#include <climits>

#include "output/style.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {

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
    print_located(e.what());
    throw Reported{};
  }
  l.diagnostics = lint_profile(l.profile);
  bool failed = false;
  for (const auto& d : l.diagnostics) {
    const bool error = d.severity == Diagnostic::Severity::Error || strict;
    failed = failed || error;
    if (error || show_warnings) print_located(d.format(path));
  }
  if (failed) throw Reported{};
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
