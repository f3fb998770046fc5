// `apply --confirm N`: a detached process that rolls the generation back
// unless `sbctl confirm` marks it confirmed before the deadline, so a change
// that cuts the operator off undoes itself (as `netplan try` does).
#pragma once

#include <string>
#include <vector>

#include "ops/probe.hpp"

namespace socketbox::sbctl {

// Forks the watcher (double fork + setsid, all descriptors closed, output to
// DIR/generations/ID/watcher.log); returns its pid in the parent. The watcher
// inherits the current network namespace, where the rollback must happen.
// `state_dir` must be absolute (the watcher runs in /).
// With `probes` (apply --probe), the watcher first runs them one by one:
// all pass -> it confirms ("probes passed"); one fails -> it rolls back at
// once and checks that the kernel holds the state from before again.
int spawn_confirm_watcher(const std::string& state_dir, unsigned id,
                          const std::vector<ProbePlan>& probes = {});

// The watcher's exit code when the kernel state after a probe's rollback
// still differs from the one before the generation.
inline constexpr int kRollbackIncomplete = 3;

}  // namespace socketbox::sbctl
