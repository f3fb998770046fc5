// Where libsbpreload.so is, as an absolute path fit for LD_PRELOAD.
#pragma once

#include <string>

namespace socketbox::preload {

// explicit_path (--library), else $SB_PRELOAD_LIBRARY, else next to this
// program: ../<libdir>/libsbpreload.so (installed) or ../lib (build tree).
// Returns "" and sets error when nothing usable is found.
std::string locate_library(const std::string& explicit_path, std::string& error);

}  // namespace socketbox::preload
