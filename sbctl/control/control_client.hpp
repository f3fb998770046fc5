// Talks to sbd's control socket: connect (SOCK_STREAM), send one command
// line, read one JSON line back. Bounded by a timeout; never hangs.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "control/json_value.hpp"

namespace socketbox::sbctl {

class ControlError : public std::runtime_error {
 public:
  // not_running: nobody listens at the path (sbd is not running there).
  ControlError(const std::string& msg, bool not_running)
      : std::runtime_error(msg), not_running_(not_running) {}
  bool not_running() const noexcept { return not_running_; }

 private:
  bool not_running_;
};

// Sends "COMMAND\n" and returns the answer line (without the newline). A
// connection sbd closes before any answer (it makes room for newcomers by
// closing the oldest client whose command it has not read) is tried again,
// up to 3 connections within `timeout_ms`.
// `who` names the daemon in messages ("sbd", "sb-relay").
std::string control_request(const std::string& socket_path, const std::string& command,
                            int timeout_ms = 5000, const std::string& who = "sbd");

struct ReloadAnswer {
  bool ok = false;
  long long generation = 0;
  std::string error;
};
// Sends "reload" and reads {"ok":true,"generation":N} or {"ok":false,"error":"..."}.
// sbd builds the table off its loop and answers when done: waits up to
// kReloadTimeoutMs for a big table.
ReloadAnswer request_reload(const std::string& socket_path, const std::string& who = "sbd");

constexpr int kReloadTimeoutMs = 60000;

struct TargetCounters {
  std::string path;
  long long sent = 0, missing = 0, refused = 0, full = 0, other = 0;
};

struct SbdStatus {
  std::string raw;  // the answer as sbd sent it (embedded as is in --json)
  std::string listen, table;
  long long generation = 0, uptime_s = 0, pid = 0;
  long long accepted = 0, dispatched = 0, no_match = 0, failed = 0;
  std::vector<TargetCounters> targets;              // the busiest, when truncated
  long long targets_total = 0;                      // how many sbd has counters for
  bool truncated = false;                           // targets lists fewer than targets_total
  long long retired_targets = 0, retired_sent = 0;  // folded: left the table
};
SbdStatus request_status(const std::string& socket_path);
SbdStatus parse_status(const std::string& line);

// sb-relay's `status` answer (docs/relay.md): per relay its counters.
struct RelayCounters {
  std::string path, target, proxy;
  long long accepted = 0, connected = 0, failed_connect = 0, refused_over_limit = 0,
            idle_timeouts = 0, errors = 0, active = 0, bytes_to_target = 0, bytes_to_client = 0;
};
struct RelayStatus {
  std::string raw;  // as sb-relay sent it (embedded as is in --json)
  long long pid = 0, uptime_s = 0, generation = 0, active = 0, max_connections = 0;
  std::vector<RelayCounters> relays;
};
RelayStatus request_relay_status(const std::string& socket_path);
RelayStatus parse_relay_status(const std::string& line);

}  // namespace socketbox::sbctl
