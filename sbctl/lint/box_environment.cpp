// What the linter needs to know of the box: how sbd's installed unit runs.
#include <fstream>
#include <string>
#include <string_view>

#include "lint/linter.hpp"

namespace socketbox::sbctl {
namespace {

// The unit file systemd would load for sbd.service, highest priority first.
constexpr const char* kUnitDirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                     "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                     "/lib/systemd/system"};

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The last PrivateTmp= setting in a unit file (or in a drop-in), if any.
void read_private_tmp(const std::string& path, bool& value) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view l = trim(line);
    const auto eq = l.find('=');
    if (eq == std::string_view::npos || trim(l.substr(0, eq)) != "PrivateTmp") continue;
    const std::string_view v = trim(l.substr(eq + 1));
    value = v == "yes" || v == "true" || v == "on" || v == "1";
  }
}

}  // namespace

LintEnvironment box_lint_environment() {
  LintEnvironment env;
  for (const char* dir : kUnitDirs) {
    const std::string unit = std::string(dir) + "/sbd.service";
    if (!std::ifstream(unit)) continue;
    read_private_tmp(unit, env.sbd_private_tmp);
    // Administrators override the packaged unit with a drop-in.
    read_private_tmp("/etc/systemd/system/sbd.service.d/override.conf", env.sbd_private_tmp);
    break;
  }
  return env;
}

}  // namespace socketbox::sbctl
