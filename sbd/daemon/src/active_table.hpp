// The table in service, with its target counters bound. Replaced as a whole
// on reload; the event loop is single-threaded, so a swap is atomic for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "counters.hpp"
#include "socketbox/table/table.hpp"

namespace socketbox::daemon {

struct ActiveTable {
  std::shared_ptr<const socketbox::table::Table> table;
  std::vector<TargetCounters*> counters;  // by target index
  std::uint64_t generation = 0;
};

// Reads and parses a table file. Throws socketbox::table::ParseError (whose
// what() is "file:line:col: error: ...").
std::shared_ptr<const socketbox::table::Table> load_table(const std::string& path);

// The table -S PATH stands for: every connection to PATH.
std::shared_ptr<const socketbox::table::Table> send_all_table(const std::string& path);

}  // namespace socketbox::daemon
