#include "watch/watch_record.hpp"

#include <cstdlib>
#include <sstream>

#include "util/files.hpp"

namespace socketbox::sbctl {

std::string watch_record_path(const std::string& state_dir) { return state_dir + "/watch-gave-up"; }

std::optional<WatchRecord> read_watch_record(const std::string& state_dir) {
  const auto text = read_file_if_exists(watch_record_path(state_dir));
  if (!text) return std::nullopt;
  WatchRecord r;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("generation=", 0) == 0)
      r.generation = static_cast<unsigned>(std::strtoul(line.c_str() + 11, nullptr, 10));
    else if (line.rfind("restores=", 0) == 0)
      r.restores = std::strtoull(line.c_str() + 9, nullptr, 10);
    else if (line.rfind("restore_failures=", 0) == 0)
      r.restore_failures = std::strtoull(line.c_str() + 17, nullptr, 10);
    else if (!line.empty())
      r.gave_up.push_back(line);
  }
  return r;
}

void write_watch_record(const std::string& state_dir, const WatchRecord& r) {
  std::string out = "generation=" + std::to_string(r.generation) + "\n";
  if (r.restores) out += "restores=" + std::to_string(r.restores) + "\n";
  if (r.restore_failures) out += "restore_failures=" + std::to_string(r.restore_failures) + "\n";
  for (const auto& g : r.gave_up) out += g + "\n";
  write_file_atomic(watch_record_path(state_dir), out);
}

void clear_watch_record(const std::string& state_dir) { remove_file(watch_record_path(state_dir)); }

}  // namespace socketbox::sbctl
