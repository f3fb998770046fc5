// Changing the box as one step: record a generation, write the table file,
// make the kernel hold the new state, set up socket directories, have sbd
// reload. A failure at any point puts back the table file and the kernel
// state as they were and leaves no generation behind. Callers hold the
// store's lock and are already in the right network namespace.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ops/listener_sockets.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "state/generation_store.hpp"

namespace socketbox::sbctl {

struct PlannedChange {
  GenKind kind = GenKind::Apply;
  std::optional<netcfg::DesiredState> kernel;  // nullopt: remove everything socketbox owns
  std::optional<std::string> table_text;       // nullopt: leave the table file alone
  // sb-relay's config file: nullopt leaves it alone (a profile without relay
  // routes, when the file there is not one sbctl wrote).
  std::optional<std::string> relay_text;
  std::string relay_config_path, relay_control_path;
  std::vector<netcfg::SocketDir> socketdirs;
  // Listener routes' sockets, which sbd must hold before nft steers to them.
  std::vector<ListenerSocket> listeners;
  std::string table_path, control_path;
  std::string profile_source, profile_text, netns;
  int confirm_seconds = 0;  // > 0: the generation is pending until confirmed
  // Drains in force with the new generation (sbctl drain/undrain).
  std::vector<std::pair<std::string, std::string>> drained;
};

struct ChangeResult {
  unsigned generation = 0;
  bool unchanged = false;  // the box already held it: no generation was recorded
  std::vector<netcfg::Change> kernel_changes;
  bool table_changed = false;
  std::vector<std::string> warnings;
  bool sbd_reloaded = false;
  long long sbd_generation = 0;
  bool relay_managed = false;  // relay_text was given
  bool relay_changed = false;
  bool relay_reloaded = false;
  long long relay_generation = 0;
};

class ChangeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Puts back the state recorded before any generation that a run killed
// mid-change left "incomplete" (call with the store locked); says what it did.
std::vector<std::string> repair_interrupted(GenerationStore& store);

ChangeResult apply_change(GenerationStore& store, const PlannedChange& change);

// Puts the box back to the state recorded before generation `id` and makes
// the generation before it current. Warnings (sbd not running) are added.
// Marks pending generation `m` confirmed (call with the store locked): what
// `sbctl confirm` does, and the confirm watcher when every probe passed.
void confirm_generation(GenerationStore& store, GenerationMeta& m, const std::string& note);

void rollback_generation(GenerationStore& store, unsigned id, RollbackReason reason,
                         const std::string& note, std::vector<std::string>& warnings);

}  // namespace socketbox::sbctl
