// sbd's control commands: one command line in, one line of JSON out. The
// messages and their JSON are defined once, in socketbox/control_protocol.hpp
// (common/control_protocol), which sbctl parses with; this file only maps
// commands to answers:
//   status | counters        -> control::StatusAnswer (the kStatusTop busiest)
//   status target PATH|fd:N  -> control::TargetAnswer | ErrorAnswer (no_such_target)
//   status targets OFF COUNT -> control::StatusPageAnswer (path order, COUNT <= kStatusPage)
//   metrics                  -> the counters as Prometheus text, ending in "# EOF"
//                               (several lines, not JSON; see metrics.hpp)
//   reload                   -> control::ReloadAnswer
//   listener (+ one fd)      -> control::ListenerAnswer | ErrorAnswer (bad_arguments): the
//                               listening socket attached (SCM_RIGHTS) is held by its port
//                               (ListenerHolder); without one: "listener needs a listening
//                               socket attached". A descriptor with any other command is closed.
//   anything else            -> control::ErrorAnswer (unknown_command, bad_arguments)
// A reload runs off the event loop: its answer may come later (see
// ControlAnswer). Kept apart from the socket handling so it can be tested
// directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control_answerer.hpp"
#include "counters.hpp"
#include "socketbox/control_protocol.hpp"

namespace socketbox::daemon {

using control::kStatusPage;
using control::kStatusTop;

struct StatusInfo {
  std::string listen;  // "[::ffff:127.0.0.1]:1"
  std::string table;   // path, or "--send-all PATH"
  std::uint64_t generation = 0;
  std::uint64_t uptime_s = 0;
  std::uint64_t started_unix_s = 0;  // wall clock at start, for metrics
  long pid = 0;
  bool reloading = false;
  const char* event_loop = "epoll";  // or "io_uring"
  const CounterRegistry* counters = nullptr;
  std::vector<control::ListenerStatus> listeners;
};

// What the daemon made of a `listener` command's descriptor.
struct ListenerResult {
  std::uint16_t port = 0;  // the port now held, when error is empty
  std::string error;       // why it was refused (bad_arguments)
};

// What a reload request gives back: the answer now, or a ticket whose
// answer the daemon hands to the control server once the reload is done.
struct ReloadRequest {
  std::uint64_t ticket = 0;  // 0: `outcome` is the answer now
  control::ReloadAnswer outcome;
};

// What the control socket asks the daemon for.
class ControlHandler : public ControlAnswerer {
 public:
  ControlAnswer answer_line(std::string_view line) override;
  ControlAnswer answer_line_with_fd(std::string_view line, UniqueFd fd) override;
  virtual StatusInfo status() = 0;
  virtual ReloadRequest reload() = 0;
  // `listener` with its descriptor (owned from here on).
  virtual ListenerResult listener(UniqueFd /*fd*/) {
    return {0, "this daemon holds no listening sockets"};
  }
};

// The `status` answer: counters of at most kStatusTop targets, the busiest.
control::StatusAnswer status_answer(const StatusInfo& s);
std::string format_status(const StatusInfo& s);  // to_line(status_answer(s))

// Answers one command line (without or with its trailing \n / \r\n).
// `fd`: the descriptor that came with the line, if any; closed unless the
// command is `listener`.
ControlAnswer answer_command(std::string_view line, ControlHandler& h, UniqueFd fd = {});

}  // namespace socketbox::daemon
