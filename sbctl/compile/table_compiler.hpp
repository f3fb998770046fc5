// Compiles a profile's routes into sbd table text. Routes keep their order
// (first match wins); runs of consecutive single-address routes without
// `from` become one hashed map set, everything else becomes rules. The text
// is commented so that each line can be traced back to its profile route.
#pragma once

#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "socketbox/table/table.hpp"

namespace socketbox::sbctl {

struct CompiledTable {
  std::string text;
  // For each table line (index = line number - 1): the route it came from,
  // or -1 for headers, comments and jumps between sets.
  std::vector<long> route_of_line;
  table::Table table;  // `text` parsed back: proof that sbd will load it

  long route_at_line(std::uint32_t line) const {
    return line >= 1 && line <= route_of_line.size() ? route_of_line[line - 1] : -1;
  }
};

// Throws std::logic_error if the generated text does not load (a bug here).
CompiledTable compile_table(const Profile& profile);

}  // namespace socketbox::sbctl
