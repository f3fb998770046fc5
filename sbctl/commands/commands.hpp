// Each command's options and entry point. The command line itself (CLI11)
// is built in cli.cpp only, so that the rest compiles without it.
#pragma once

#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "state/generation_store.hpp"

namespace socketbox::sbctl {

struct CheckOptions {
  std::string profile;
  bool strict = false;
  bool json = false;
};
int run_check(const CheckOptions& o);

struct CompileOptions {
  std::string profile;
  bool nft = false;
  std::string output;
};
int run_compile(const CompileOptions& o);

struct ExplainOptions {
  std::string profile, addr, port, from = "::", netns;
  bool json = false;
};
int run_explain(const ExplainOptions& o);

struct DiffOptions {
  std::string profile, netns, state_dir = kDefaultStateDir;
  bool json = false;
};
int run_diff(const DiffOptions& o);

struct ApplyOptions {
  std::string profile, netns, state_dir = kDefaultStateDir;
  int confirm = 0;
  std::vector<std::string> probes;  // --probe ADDR:PORT[@NETNS]
  bool yes = false;
  bool strict = false;
  bool json = false;
};
int run_apply(const ApplyOptions& o);

struct ConfirmOptions {
  std::string state_dir = kDefaultStateDir;
  bool json = false;
};
int run_confirm(const ConfirmOptions& o);

struct RollbackOptions {
  std::string netns, state_dir = kDefaultStateDir;
  bool json = false;
};
int run_rollback(const RollbackOptions& o);

struct DownOptions {
  std::string profile, netns, state_dir = kDefaultStateDir;
  bool json = false;
};
int run_down(const DownOptions& o);

struct DrainOptions {
  std::string route, to, state_dir = kDefaultStateDir;
  bool undrain = false;
  bool json = false;
};
int run_drain(const DrainOptions& o);

struct StatusOptions {
  std::string netns, state_dir = kDefaultStateDir, control;
  std::string relay_control;  // default: the generation's, when it manages sb-relay
  bool json = false;
};
int run_status(const StatusOptions& o);

struct MetricsOptions {
  std::string profile, netns, state_dir = kDefaultStateDir, control, listen;
};
int run_metrics(const MetricsOptions& o);

struct GenerationsOptions {
  std::string state_dir = kDefaultStateDir;
  bool json = false;
};
int run_generations(const GenerationsOptions& o);

struct ReloadOptions {
  std::string control = kDefaultControlPath;
  bool json = false;
};
int run_reload(const ReloadOptions& o);

struct WatchOptions {
  std::string netns, state_dir = kDefaultStateDir;
  int fight_limit = 5;    // removals of one object ...
  int fight_window = 60;  // ... within this many seconds, and watch stops restoring it
  int debounce_ms = 50;
};
int run_watch(const WatchOptions& o);

// Parses the command line and runs the command; returns the exit code.
int run_command_line(int argc, char** argv);

}  // namespace socketbox::sbctl
