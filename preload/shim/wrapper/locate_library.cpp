#include "locate_library.hpp"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>

namespace socketbox::preload {
namespace {

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

}  // namespace

std::string locate_library(const std::string& explicit_path, std::string& error) {
  std::string chosen = explicit_path;
  if (chosen.empty()) {
    if (const char* env = std::getenv("SB_PRELOAD_LIBRARY"); env && *env) chosen = env;
  }
  if (!chosen.empty()) {
    std::string abs = absolute(chosen);
    if (abs.empty() || ::access(abs.c_str(), R_OK) != 0) {
      error = "cannot read preload library " + chosen;
      return {};
    }
    chosen = abs;
  } else {
    std::string dir = self_dir();
    for (const char* rel : {SB_BIN_TO_LIB, "../lib"}) {
      std::string abs = absolute(dir + "/" + rel + "/libsbpreload.so");
      if (!abs.empty() && ::access(abs.c_str(), R_OK) == 0) {
        chosen = abs;
        break;
      }
    }
    if (chosen.empty()) {
      error =
          "cannot find libsbpreload.so next to " + dir + " (use --library or SB_PRELOAD_LIBRARY)";
      return {};
    }
  }
  // ld.so splits LD_PRELOAD at spaces and colons.
  if (chosen.find_first_of(": ") != std::string::npos) {
    error =
        "preload library path contains ':' or a space, which LD_PRELOAD cannot carry: " + chosen;
    return {};
  }
  return chosen;
}

}  // namespace socketbox::preload
