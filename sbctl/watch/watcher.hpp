// sbctl watch's loop: waits for netlink notifications that concern
// socketbox, debounces a burst into one check, and restores the current
// generation's kernel state through the same path as apply (under the
// state dir's lock, re-read, diffed, one nft transaction plus routes).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace socketbox::sbctl {

struct WatcherConfig {
  std::string state_dir;  // absolute
  std::string netns;      // the namespace watch runs in ("" = its own)
  int fight_limit = 5;
  std::chrono::seconds fight_window{60};
  std::chrono::milliseconds debounce{50};
  // Called once the first check is done and notifications are followed.
  std::function<void(const std::string& status)> ready;
};

// Runs until SIGTERM or SIGINT (blocked by the caller's thread and handed
// in as a signalfd). Logs one line per restore on stderr. Returns the exit code.
int run_watcher(const WatcherConfig& config, int signal_fd);

}  // namespace socketbox::sbctl
