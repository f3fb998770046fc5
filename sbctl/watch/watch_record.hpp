// What sbctl watch leaves in the state dir for `sbctl status` and `sbctl
// metrics`: the objects it gave up restoring, and for which generation, and
// how many restores it made (and failed) since it started (DIR/watch-gave-up).
// A record for another generation than the current one is stale: the next
// apply or rollback starts afresh, and so does a restart of watch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace socketbox::sbctl {

struct WatchRecord {
  unsigned generation = 0;
  std::vector<std::string> gave_up;  // "gave up restoring X after 5 removals in 60 s"
  std::uint64_t restores = 0;        // since this watch started, every generation
  std::uint64_t restore_failures = 0;
};

std::string watch_record_path(const std::string& state_dir);
std::optional<WatchRecord> read_watch_record(const std::string& state_dir);
void write_watch_record(const std::string& state_dir, const WatchRecord& r);
void clear_watch_record(const std::string& state_dir);

}  // namespace socketbox::sbctl
