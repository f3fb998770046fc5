// sb-relay's command line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"

namespace socketbox::relay {

struct Limits {
  std::uint32_t max_connections = 4096;  // concurrent relays, all relays together
  std::uint32_t connect_timeout_ms = 5000;
  std::uint32_t idle_timeout_s = 600;      // 0: none
  std::uint32_t fail_log_interval_s = 10;  // a dead target is logged once per interval
};

struct Options {
  std::vector<RelaySpec> relays;  // from PATH TARGET and --relay
  std::string config;             // --config FILE (reloaded on SIGHUP)
  std::string control;
  Limits limits;
  std::string user, group;
  std::vector<std::string> groups;
  bool seccomp = false;
  bool check = false;
  std::optional<uid_t> sender_uid;  // accept sockets only from this uid (sbd's)
};

struct ParseResult {
  std::optional<Options> options;
  int exit_code = 0;
  std::string message;
};

ParseResult parse_options(const std::vector<std::string>& args);  // args[0] is the program name

}  // namespace socketbox::relay
