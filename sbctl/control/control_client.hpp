// Talks to sbd's control socket: connect (SOCK_STREAM), send one command
// line, read one JSON line back. Bounded by a timeout; never hangs.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "socketbox/control_protocol.hpp"

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
// `whole`: the answer is every line up to the close (metrics), kept as sent.
// `who` names the daemon in messages ("sbd", "sb-relay").
// `attach` >= 0: that descriptor goes with the command (SCM_RIGHTS).
std::string control_request(const std::string& socket_path, const std::string& command,
                            int timeout_ms = 5000, const std::string& who = "sbd",
                            bool whole = false, int attach = -1);

// Sends "listener" with the listening socket `fd` attached: sbd holds it
// (and keeps it across its restarts in systemd's fd store). Returns the port
// sbd read from it. Throws ControlError (also when sbd refuses it).
std::uint16_t send_listener(const std::string& socket_path, int fd);

// Sends "metrics" and returns sbd's Prometheus text without its final
// "# EOF" line (so that more can be appended). Throws ControlError, also
// when sbd answers something else (an sbd from before `metrics`).
std::string request_metrics(const std::string& socket_path);

// Sends "reload" and reads the daemon's control::ReloadAnswer (sbd and
// sb-relay answer alike). sbd builds the table off its loop and answers when
// done: waits up to kReloadTimeoutMs for a big table. An answer that is not
// a reload answer is a ControlError.
control::ReloadAnswer request_reload(const std::string& socket_path,
                                     const std::string& who = "sbd");

constexpr int kReloadTimeoutMs = 60000;

// sbd's `status` answer, read with the protocol's one definition.
struct SbdStatus {
  std::string raw;  // the answer as sbd sent it (embedded as is in --json)
  control::StatusAnswer answer;
};
SbdStatus request_status(const std::string& socket_path);
// Throws control::ProtocolError ("sbd's answer lacks field 'pid'") or
// control::RefusedError.
SbdStatus parse_status(const std::string& line);

// sb-relay's `status` answer (docs/relay.md), read with the same definition.
struct RelayStatus {
  std::string raw;  // as sb-relay sent it (embedded as is in --json)
  control::RelayStatusAnswer answer;
};
RelayStatus request_relay_status(const std::string& socket_path);
// Throws control::ProtocolError or control::RefusedError.
RelayStatus parse_relay_status(const std::string& line);

}  // namespace socketbox::sbctl
