// The control protocol: one command line in, one line of JSON out.
//   status | counters  -> {"listen":...,"table":...,"generation":N,...}
//   reload             -> {"ok":true,"generation":N} | {"ok":false,"error":"..."}
// Kept apart from the socket handling so it can be tested directly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "control_answerer.hpp"
#include "counters.hpp"

namespace socketbox::daemon {

struct StatusInfo {
  std::string listen;  // "[::ffff:127.0.0.1]:1"
  std::string table;   // path, or "--send-all PATH"
  std::uint64_t generation = 0;
  std::uint64_t uptime_s = 0;
  long pid = 0;
  const CounterRegistry* counters = nullptr;
};

struct ReloadOutcome {
  bool ok = false;
  std::uint64_t generation = 0;
  std::string error;  // "file:line:col: error: ..." when !ok
};

// What the control socket asks the daemon for.
class ControlHandler : public ControlAnswerer {
 public:
  std::string answer_line(std::string_view line) override;
  virtual StatusInfo status() = 0;
  virtual ReloadOutcome reload() = 0;
};

// Answers one command line (without or with its trailing \n / \r\n),
// without the trailing newline.
std::string answer_command(std::string_view line, ControlHandler& h);

}  // namespace socketbox::daemon
