// Asks sbd to load the table file again and reports what it said.
#pragma once

#include <string>

namespace socketbox::sbctl {

struct ReloadOutcome {
  enum class Kind { Reloaded, NotRunning, Refused } kind;
  long long generation = 0;  // sbd's table generation after a reload
  std::string message;       // why it is not running / what it refused
};

// Never throws for a missing sbd; an answer that is not understood counts
// as Refused (the change cannot be shown to be in service).
ReloadOutcome reload_sbd(const std::string& control_path);
// The same for sb-relay, whose control socket speaks the same `reload`.
ReloadOutcome reload_relay(const std::string& control_path);

}  // namespace socketbox::sbctl
