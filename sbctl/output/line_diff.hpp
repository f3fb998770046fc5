// A unified diff of two texts (as `diff -u` prints it, with 2 lines of
// context), for `sbctl diff` to show how the table file would change.
#pragma once

#include <string>
#include <vector>

namespace socketbox::sbctl {

// Hunks of "@@ -a,b +c,d @@", " ctx", "-old", "+new" lines; empty if equal.
std::vector<std::string> unified_diff(const std::string& old_text, const std::string& new_text,
                                      std::size_t context = 2);

}  // namespace socketbox::sbctl
