// The table in service, with its target counters bound. Replaced as a whole
// on reload, by the event loop (the only thread that dispatches), so a swap
// is atomic for it; the reloader only builds the next one beside it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "counters.hpp"
#include "socketbox/table/limits.hpp"
#include "socketbox/table/table.hpp"

namespace socketbox::daemon {

struct ActiveTable {
  std::shared_ptr<const socketbox::table::Table> table;
  std::vector<TargetCounters*> counters;  // by target index
  std::uint64_t generation = 0;
};

// Calls f(action) for every action written in the table (rules, map
// entries, defaults), e.g. to find every jump-fd.
template <class F>
void for_each_action(const socketbox::table::Table& t, F&& f) {
  for (const auto& rs : t.rule_sets) {
    f(rs.default_action);
    for (const auto& r : rs.rules) f(r.action);
  }
  for (const auto& ms : t.map_sets) {
    f(ms.default_action);
    for (std::size_t i = 0; i < ms.size(); ++i) f(ms.action(i));
  }
}

// Reads and parses a table file within `limits` (a regular file only, never
// more than limits.max_bytes read). Throws socketbox::table::ParseError
// (whose what() is "file:line:col: error: ..." or, for the file as a whole,
// "file: ...").
std::shared_ptr<const socketbox::table::Table> load_table(
    const std::string& path, const socketbox::table::LoadLimits& limits);

// Problems a table that parsed can still have in this process, one line
// each: jump-fd descriptors that sbd does not have open. (Path lengths are
// checked by the parser; -U placeholders expand to the same length.)
std::vector<std::string> table_warnings(const socketbox::table::Table& t);

// The table -S PATH stands for: every connection to PATH.
std::shared_ptr<const socketbox::table::Table> send_all_table(const std::string& path);

}  // namespace socketbox::daemon
