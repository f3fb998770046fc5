#include "ops/transaction.hpp"

#include <ctime>

#include "ops/box_state.hpp"
#include "ops/sbd_reload.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

// sbd's answer to a reload, as apply and rollback treat it: not running is
// a warning (the table is read when it starts), refusing is an error.
void reload_or_throw(const std::string& control, ChangeResult& r) {
  const ReloadOutcome o = reload_sbd(control);
  switch (o.kind) {
    case ReloadOutcome::Kind::Reloaded:
      r.sbd_reloaded = true;
      r.sbd_generation = o.generation;
      return;
    case ReloadOutcome::Kind::NotRunning:
      r.warnings.push_back("sbd is not running (" + o.message +
                           "); it reads the new table when it starts");
      return;
    case ReloadOutcome::Kind::Refused:
      throw ChangeError("sbd refused the new table: " + o.message);
  }
}

// The same for sb-relay: not running is a warning (it reads the file when it
// starts), refusing the file is an error.
void reload_relay_or_throw(const std::string& control, ChangeResult& r) {
  const ReloadOutcome o = reload_relay(control);
  switch (o.kind) {
    case ReloadOutcome::Kind::Reloaded:
      r.relay_reloaded = true;
      r.relay_generation = o.generation;
      return;
    case ReloadOutcome::Kind::NotRunning:
      r.warnings.push_back("sb-relay is not running (" + o.message +
                           "); it reads the new config when it starts");
      return;
    case ReloadOutcome::Kind::Refused:
      throw ChangeError("sb-relay refused the new config: " + o.message);
  }
}

// Puts sb-relay's file back as `before` recorded it and has sb-relay reread
// it; problems become warnings (a restore goes on whatever happens).
void restore_relay(const std::string& config, const std::string& control, const Snapshot& before,
                   std::vector<std::string>& warnings) {
  restore_relay_file(config, before.relay);
  if (!before.relay) {
    warnings.push_back("removed " + config +
                       " (there was none before); a running sb-relay keeps its relays until it "
                       "stops");
    return;
  }
  const ReloadOutcome o = reload_relay(control);
  if (o.kind == ReloadOutcome::Kind::NotRunning)
    warnings.push_back("sb-relay is not running (" + o.message +
                       "); it reads the restored config when it starts");
  else if (o.kind == ReloadOutcome::Kind::Refused)
    warnings.push_back("sb-relay refused the restored config: " + o.message);
}

// True when generation `id` already installs exactly `after` in the same
// netns and table file, and the box holds it: a re-apply then changes
// nothing and records nothing.
bool same_as_generation(const GenerationStore& store, unsigned id, const PlannedChange& c,
                        const Snapshot& after) {
  const GenerationMeta m = store.read_meta(id);
  if (m.state != GenState::Applied || m.netns != c.netns || m.table != c.table_path ||
      m.control != c.control_path || m.relay_config != (c.relay_text ? c.relay_config_path : ""))
    return false;
  const Snapshot prev = load_snapshot(store.path_of(id) + "/after", after.kernel);
  auto text = [](const std::optional<netcfg::DesiredState>& k) {
    return k ? kernel_state_to_toml(*k, "") : std::string();
  };
  return prev.kernel.has_value() == after.kernel.has_value() &&
         text(prev.kernel) == text(after.kernel) && prev.table == after.table &&
         prev.relay_recorded == after.relay_recorded && prev.relay == after.relay;
}

}  // namespace

std::vector<std::string> repair_interrupted(GenerationStore& store) {
  std::vector<std::string> notes;
  for (const unsigned id : store.list()) {
    GenerationMeta m = store.read_meta(id);
    if (m.state != GenState::Incomplete) continue;
    // Only a run that died leaves "incomplete" behind: every run holds the
    // store's lock from before it records a generation until it is done.
    const Snapshot before = load_snapshot(store.path_of(id) + "/before");
    const netcfg::NetnsScope ns(m.netns);
    restore_kernel(before.kernel);
    restore_table_file(m.table, before.table);
    if (before.relay_recorded && !m.relay_config.empty())
      restore_relay_file(m.relay_config, before.relay);
    m.state = GenState::Interrupted;
    m.note = "interrupted before it finished; the state from before it was put back";
    store.write_meta(m);
    notes.push_back(
        "generation " + std::to_string(id) + " (" + std::string(to_word(m.kind)) + " of " +
        m.profile +
        ") was interrupted before it finished; put back the kernel state and table from before it");
  }
  return notes;
}

ChangeResult apply_change(GenerationStore& store, const PlannedChange& c) {
  ChangeResult r;
  r.warnings = repair_interrupted(store);
  const auto previous = store.current();
  if (previous) {
    const GenerationMeta pm = store.read_meta(*previous);
    if (pm.state == GenState::Pending)
      throw ChangeError("generation " + std::to_string(*previous) +
                        " is waiting for 'sbctl confirm'; confirm or roll it back first");
  }
  // sbd holds every listener route's socket before nft steers there (also
  // when nothing else changed: a re-apply gives back one sbd lost).
  try {
    ensure_listeners(c.control_path, c.listeners, r.warnings);
  } catch (const std::exception& e) {
    throw ChangeError(std::string(e.what()) + "; nothing was changed");
  }
  // 1. Record what is there now, before touching anything.
  netcfg::KernelState as_read;
  Snapshot before = take_snapshot(c.table_path, &as_read);
  Snapshot after;
  after.kernel = c.kernel;
  after.table = c.table_text ? c.table_text : before.table;
  if (c.relay_text) {
    before.relay_recorded = after.relay_recorded = true;
    before.relay = read_relay_file(c.relay_config_path);
    after.relay = c.relay_text;
  }
  r.kernel_changes = netcfg::diff(c.kernel.value_or(netcfg::DesiredState{}), as_read);
  r.table_changed = c.table_text && c.table_text != before.table;
  r.relay_managed = c.relay_text.has_value();
  r.relay_changed = c.relay_text && c.relay_text != before.relay;
  if (previous && c.kind == GenKind::Apply && r.kernel_changes.empty() && !r.table_changed &&
      !r.relay_changed && same_as_generation(store, *previous, c, after)) {
    for (const auto& d : c.socketdirs) netcfg::ensure_socketdir(d);
    r.generation = *previous;
    r.unchanged = true;
    return r;
  }

  const unsigned id = store.next_id();
  GenerationMeta m;
  m.id = id;
  m.state = GenState::Incomplete;
  m.kind = c.kind;
  m.previous = previous.value_or(0);
  m.profile = c.profile_source;
  m.netns = c.netns;
  m.table = c.table_path;
  m.control = c.control_path;
  if (c.relay_text) {
    m.relay_config = c.relay_config_path;
    m.relay_control = c.relay_control_path;
  }
  m.created = std::time(nullptr);
  m.drained = c.drained;
  const std::string dir = store.create(id);
  try {
    write_file_atomic(dir + "/profile.toml", c.profile_text);
    save_snapshot(before, dir + "/before");
    save_snapshot(after, dir + "/after");
    store.write_meta(m);
  } catch (...) {
    store.remove(id);
    throw;
  }

  // 2. Change the box; on any failure put everything back.
  bool table_written = false, relay_written = false;
  try {
    if (c.table_text) {
      write_table_file(c.table_path, *c.table_text);
      table_written = true;
    }
    if (c.relay_text) {
      relay_written = true;
      restore_relay_file(c.relay_config_path, c.relay_text);
    }
    if (c.kernel) {
      netcfg::apply(*c.kernel);
    } else {
      netcfg::remove_all();
    }
    for (const auto& d : c.socketdirs) netcfg::ensure_socketdir(d);
    // sb-relay first: its receiving sockets exist before sbd sends to them.
    if (c.relay_text) reload_relay_or_throw(c.relay_control_path, r);
    if (c.table_text) reload_or_throw(c.control_path, r);
  } catch (const std::exception& e) {
    std::string restore_problem;
    try {
      if (table_written) restore_table_file(c.table_path, before.table);
    } catch (const std::exception& x) {
      restore_problem += std::string("; restoring the table file failed too: ") + x.what();
    }
    try {
      if (relay_written) {
        if (r.relay_reloaded) {
          std::vector<std::string> ignored;
          restore_relay(c.relay_config_path, c.relay_control_path, before, ignored);
        } else {
          restore_relay_file(c.relay_config_path, before.relay);
        }
      }
    } catch (const std::exception& x) {
      restore_problem += std::string("; restoring sb-relay's config failed too: ") + x.what();
    }
    try {
      restore_kernel(before.kernel);
    } catch (const std::exception& x) {
      restore_problem += std::string("; restoring the kernel state failed too: ") + x.what();
    }
    store.remove(id);
    throw ChangeError(std::string(e.what()) +
                      (restore_problem.empty() ? "; nothing was changed" : restore_problem));
  }

  // 3. In force: the new generation becomes current.
  m.state = c.confirm_seconds > 0 ? GenState::Pending : GenState::Applied;
  if (c.confirm_seconds > 0) m.deadline = std::time(nullptr) + c.confirm_seconds;
  store.write_meta(m);
  store.set_current(id);
  r.generation = id;
  return r;
}

void confirm_generation(GenerationStore& store, GenerationMeta& m, const std::string& note) {
  m.state = GenState::Applied;
  m.deadline = 0;
  m.note = note;
  store.write_meta(m);
}

void rollback_generation(GenerationStore& store, unsigned id, RollbackReason reason,
                         const std::string& note, std::vector<std::string>& warnings) {
  GenerationMeta m = store.read_meta(id);
  const std::string dir = store.path_of(id);
  const Snapshot before = load_snapshot(dir + "/before");
  const Snapshot after = load_snapshot(dir + "/after");
  restore_kernel(before.kernel);
  if (before.table != after.table) {
    restore_table_file(m.table, before.table);
    if (before.table) {
      const ReloadOutcome o = reload_sbd(m.control);
      if (o.kind == ReloadOutcome::Kind::NotRunning)
        warnings.push_back("sbd is not running (" + o.message +
                           "); it reads the restored table when it starts");
      else if (o.kind == ReloadOutcome::Kind::Refused)
        warnings.push_back("sbd refused the restored table: " + o.message);
    }
  }
  if (before.relay_recorded && after.relay_recorded && !m.relay_config.empty() &&
      before.relay != after.relay)
    restore_relay(m.relay_config, m.relay_control, before, warnings);
  m.state = GenState::RolledBack;
  m.reason = reason;
  m.deadline = 0;
  m.note = note;
  store.write_meta(m);
  if (m.previous && store.exists(m.previous)) {
    store.set_current(m.previous);
  } else {
    store.set_current(std::nullopt);
  }
}

}  // namespace socketbox::sbctl
