// The control protocol: one command line in, one line of JSON out.
//   status | counters        -> {"listen":...,"generation":N,...,"targets_total":N,
//                                "truncated":B,"targets":[the kStatusTop busiest]}
//   status target PATH|fd:N  -> {"target":{...}} | {"ok":false,"error":"..."}
//   status targets OFF COUNT -> {"targets_total":N,"offset":OFF,"truncated":B,
//                                "targets":[...]} (in path order, COUNT <= kStatusPage)
//   metrics                  -> the counters as Prometheus text, ending in "# EOF"
//                               (several lines; see metrics.hpp)
//   reload                   -> {"ok":true,"generation":N} | {"ok":false,"error":"..."}
// A reload runs off the event loop: its answer may come later (see
// ControlAnswer). Kept apart from the socket handling so it can be tested
// directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "control_answerer.hpp"
#include "counters.hpp"

namespace socketbox::daemon {

// `status` lists at most this many targets (the busiest); the rest are paged.
constexpr std::size_t kStatusTop = 100;
// `status targets OFFSET COUNT` answers at most this many per page.
constexpr std::size_t kStatusPage = 1000;

struct StatusInfo {
  std::string listen;  // "[::ffff:127.0.0.1]:1"
  std::string table;   // path, or "--send-all PATH"
  std::uint64_t generation = 0;
  std::uint64_t uptime_s = 0;
  std::uint64_t started_unix_s = 0;  // wall clock at start, for metrics
  long pid = 0;
  bool reloading = false;
  const CounterRegistry* counters = nullptr;
};

struct ReloadOutcome {
  bool ok = false;
  std::uint64_t generation = 0;
  std::string error;  // "file:line:col: error: ..." when !ok
};

// What a reload request gives back: the outcome now, or a ticket whose
// outcome the daemon hands to the control server once the reload is done.
struct ReloadRequest {
  std::uint64_t ticket = 0;  // 0: `outcome` is the answer now
  ReloadOutcome outcome;
};

// What the control socket asks the daemon for.
class ControlHandler : public ControlAnswerer {
 public:
  ControlAnswer answer_line(std::string_view line) override;
  virtual StatusInfo status() = 0;
  virtual ReloadRequest reload() = 0;
};

std::string format_status(const StatusInfo& s);
std::string format_reload(const ReloadOutcome& r);

// Answers one command line (without or with its trailing \n / \r\n).
ControlAnswer answer_command(std::string_view line, ControlHandler& h);

}  // namespace socketbox::daemon
