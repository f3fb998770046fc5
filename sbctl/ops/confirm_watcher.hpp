// `apply --confirm N`: a detached process that rolls the generation back
// unless `sbctl confirm` marks it confirmed before the deadline, so a change
// that cuts the operator off undoes itself (as `netplan try` does).
#pragma once

#include <string>

namespace socketbox::sbctl {

// Forks the watcher (double fork + setsid, all descriptors closed, output to
// DIR/generations/ID/watcher.log); returns its pid in the parent. The watcher
// inherits the current network namespace, where the rollback must happen.
// `state_dir` must be absolute (the watcher runs in /).
int spawn_confirm_watcher(const std::string& state_dir, unsigned id);

}  // namespace socketbox::sbctl
