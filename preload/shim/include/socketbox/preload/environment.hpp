// The environment sb-preload hands to the server.
#pragma once

#include <string>

namespace socketbox::preload {

// LD_PRELOAD with library first and whatever was there kept after it
// (a copy of library already in it is not repeated).
std::string prepend_preload(const std::string& library, const char* existing);

struct PreloadSettings {
  std::string library;
  std::string maps;           // newline-separated, validated
  std::string connects;       // the same for --connect
  std::string listeners;      // the same for --listener
  std::string listener_wait;  // seconds, decimal; empty: the library's default (30)
  std::string uid;            // numeric, or empty
  bool no_inherit = false;
  bool debug = false;
};

// Sets (or clears) LD_PRELOAD and the SB_PRELOAD_* variables in this process,
// to be inherited by exec. Returns false with errno on failure.
bool export_settings(const PreloadSettings& s);

}  // namespace socketbox::preload
