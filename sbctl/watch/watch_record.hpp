// What sbctl watch leaves in the state dir for `sbctl status`: the objects
// it gave up restoring, and for which generation (DIR/watch-gave-up).
// A record for another generation than the current one is stale: the next
// apply or rollback starts afresh, and so does a restart of watch.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace socketbox::sbctl {

struct WatchRecord {
  unsigned generation = 0;
  std::vector<std::string> gave_up;  // "gave up restoring X after 5 removals in 60 s"
};

std::string watch_record_path(const std::string& state_dir);
std::optional<WatchRecord> read_watch_record(const std::string& state_dir);
void write_watch_record(const std::string& state_dir, const WatchRecord& r);
void clear_watch_record(const std::string& state_dir);

}  // namespace socketbox::sbctl
