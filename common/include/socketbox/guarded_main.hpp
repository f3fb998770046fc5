// A tool's main() with nothing escaping it: a failure of the standard
// library (no memory) is one line, "TOOL: WHAT", and exit status 2, like
// every other error the tool reports.
#pragma once

#include <exception>
#include <iostream>

namespace socketbox {

template <typename Run>
int guarded_main(const char* tool, Run&& run) noexcept {
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << tool << ": " << e.what() << "\n";
  } catch (...) {
    std::cerr << tool << ": unexpected error\n";
  }
  return 2;
}

}  // namespace socketbox
