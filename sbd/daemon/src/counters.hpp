// Counters: per connection outcome, and per hand-off target. Target counters
// are keyed by path (or inherited fd) and survive reloads while the target
// stays in the table; at each reload the new table's target indexes are bound
// to them once, so the per-connection path only follows a pointer. Targets
// the new table no longer names are folded into one `retired` total, so the
// registry never holds more than the table in service does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "connection_log.hpp"
#include "handoff.hpp"
#include "socketbox/table/table.hpp"

namespace socketbox::daemon {

struct TargetCounters {
  std::uint64_t sent = 0;
  std::uint64_t missing = 0;  // ENOENT: no socket at the path
  std::uint64_t refused = 0;  // ECONNREFUSED: nobody bound there (stale file)
  std::uint64_t full = 0;     // EAGAIN: receiver's queue full
  std::uint64_t other = 0;
  // jump-unix-any: hand-offs that failed here (and are counted above too)
  // after which sbd tried the list's next target.
  std::uint64_t failovers = 0;
  bool in_table = false;  // named by the table now in service

  void count_failure(SendFailure f) noexcept;
  void add(const TargetCounters& o) noexcept;
  std::uint64_t failed() const noexcept { return missing + refused + full + other; }
};

struct ConnectionCounters {
  std::uint64_t accepted = 0;
  std::uint64_t dispatched = 0;
  std::uint64_t no_match = 0;         // `fail` or no rule: reset
  std::uint64_t failed = 0;           // hand-off failed: reset
  std::uint64_t accept_backoffs = 0;  // out of descriptors/memory on accept
};

// Table reloads (control `reload` or SIGHUP) since sbd started, by outcome.
struct ReloadCounters {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
};

// The counters of a table about to be installed, built off the loop by
// CounterRegistry::prepare() so that installing a huge table only copies
// counts and swaps a map.
struct PreparedCounters {
  std::map<std::string, TargetCounters> by_path;  // the new table's paths
  std::vector<TargetCounters*> bound;             // by target index, into by_path
  std::vector<std::pair<TargetCounters*, const TargetCounters*>> carry;  // new, old
  std::vector<const TargetCounters*> retire;  // old paths the table no longer names
  std::uint64_t layout = 0;                   // the registry's layout it was made against
};

class CounterRegistry {
 public:
  // Returns, for each of table.targets, its counters, creating what is new,
  // and folds the counters of targets (paths and fds) the table no longer
  // names into retired(). Pointers bound for an earlier table to such
  // targets are invalid afterwards: install the result at once.
  std::vector<TargetCounters*> bind(const socketbox::table::Table& table);

  // The costly part of bind() for `table`, done beside the loop: reads only
  // the registry's layout (its keys), never its counts, so it may run on
  // another thread while the loop counts, as long as no bind() or adopt()
  // runs meanwhile.
  PreparedCounters prepare(const socketbox::table::Table& table) const;
  // bind() from prepared counters: carries counts over, folds what left, and
  // swaps the new map in; the old map is moved to `old` (to be freed off the
  // loop). Falls back to bind() if the layout changed since prepare().
  std::vector<TargetCounters*> adopt(const socketbox::table::Table& table, PreparedCounters&& p,
                                     std::map<std::string, TargetCounters>& old);
  // Counters of jump-fd:N, created by bind(); nullptr if the table had none.
  TargetCounters* for_fd(std::uint32_t fd) noexcept;

  const std::map<std::string, TargetCounters>& paths() const noexcept { return by_path_; }
  const std::map<std::uint32_t, TargetCounters>& fds() const noexcept { return by_fd_; }
  std::size_t size() const noexcept { return by_path_.size() + by_fd_.size(); }
  // The sum of every target dropped from the table so far, and how many.
  const TargetCounters& retired() const noexcept { return retired_; }
  std::uint64_t retired_targets() const noexcept { return retired_targets_; }

  ConnectionCounters connections;
  ReloadCounters reloads;
  ConnectionLogCounters connection_log;

 private:
  std::map<std::string, TargetCounters> by_path_;  // std::map: stable addresses
  std::map<std::uint32_t, TargetCounters> by_fd_;
  void bind_fds(const socketbox::table::Table& table);
  TargetCounters retired_;
  std::uint64_t retired_targets_ = 0;
  std::uint64_t layout_ = 0;  // bumped whenever by_path_'s keys change
};

}  // namespace socketbox::daemon
