// The generations store under --state-dir (default /var/lib/socketbox):
//
//   DIR/lock                       flock'ed by every command that changes state
//   DIR/current -> generations/N   the generation in force (absent: none)
//   DIR/generations/N/meta         key=value: state, previous, netns, paths, times
//   DIR/generations/N/profile.toml the profile as applied
//   DIR/generations/N/before/      the state before N: kernel.toml (or kernel.none),
//                                  sbd.conf (or sbd.conf.none) and, when N manages
//                                  sb-relay's file, relay.toml (or relay.toml.none)
//   DIR/generations/N/after/       the state N installs, in the same form
//
// `before` is what a rollback of N restores; `after` is what status compares
// the box against. Both are written before anything on the box changes.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "socketbox/unique_fd.hpp"
#include "state/generation_state.hpp"

namespace socketbox::sbctl {

inline constexpr const char* kDefaultStateDir = "/var/lib/socketbox";

struct GenerationMeta {
  unsigned id = 0;
  GenState state = GenState::Applied;
  GenKind kind = GenKind::Apply;
  unsigned previous = 0;  // the generation current before this one; 0 = none
  std::string profile, netns, table, control;
  // sb-relay's config file and control socket, when the generation manages
  // them (a profile with relay routes); empty otherwise.
  std::string relay_config, relay_control;
  std::time_t created = 0;
  std::time_t deadline = 0;  // pending: rolled back at this time unless confirmed
  RollbackReason reason = RollbackReason::None;  // RolledBack: why, as data
  std::string note;                              // the same in words, for people
  // `apply --probe`: "passed" or "failed" (empty: not probed), what the
  // probes found in one line, and after a rollback by a failed probe whether
  // the kernel state equals the one from before ("verified", or "differs: ...").
  std::string probe_result, probe, rollback_check;
  // Routes drained by `sbctl drain` while this generation is in force:
  // "NAME<TAB>TARGET" lines (TARGET empty = the rest of its failover list).
  std::vector<std::pair<std::string, std::string>> drained;
};

class GenerationStore {
 public:
  explicit GenerationStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const noexcept { return dir_; }

  // Takes the store's exclusive lock (waits for other sbctl commands).
  // Creates the directory if needed. Held until the store is destroyed.
  void lock();
  // Lets other sbctl commands (and the confirm watcher) in again.
  void unlock() noexcept { lock_fd_.reset(); }

  std::optional<unsigned> current() const;
  void set_current(std::optional<unsigned> id);
  std::vector<unsigned> list() const;  // ascending
  unsigned next_id() const;

  std::string path_of(unsigned id) const { return dir_ + "/generations/" + std::to_string(id); }
  bool exists(unsigned id) const;
  // Throws FileError naming FILE:LINE for a state, kind or reason it does not know.
  GenerationMeta read_meta(unsigned id) const;
  void write_meta(const GenerationMeta& m) const;
  // Makes DIR/generations/N (and before/, after/) for a new generation.
  std::string create(unsigned id) const;
  void remove(unsigned id) const;

 private:
  std::string dir_;
  UniqueFd lock_fd_;
};

}  // namespace socketbox::sbctl
