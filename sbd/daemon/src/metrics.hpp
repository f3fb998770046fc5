// sbd's counters in the Prometheus text exposition format (0.0.4), the answer
// to the control command `metrics`: several lines, the last `# EOF` (the
// control server adds the final newline). See docs/operations.md.
#pragma once

#include <cstddef>
#include <string>

#include "control_protocol.hpp"

namespace socketbox::daemon {

// Per-target series are given for at most this many targets (in path order,
// then fds, so that the set is stable from scrape to scrape);
// socketbox_sbd_targets says how many there are.
constexpr std::size_t kMetricsTargets = 10000;

std::string format_metrics(const StatusInfo& s);

}  // namespace socketbox::daemon
