// sbctl apply PROFILE [--netns NAME] [--state-dir DIR] [--confirm SECONDS]
// [--probe ADDR:PORT[@NETNS]]... [--yes]: make the box hold the profile, as
// one step that is recorded as a generation and can be rolled back.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "compile/desired_state.hpp"
#include "explain/explain.hpp"
#include "ops/box_state.hpp"
#include "ops/confirm_watcher.hpp"
#include "ops/probe.hpp"
#include "ops/transaction.hpp"
#include "output/change_json.hpp"
#include "output/style.hpp"
#include "socketbox/netcfg/kernel.hpp"

namespace socketbox::sbctl {
namespace {

// Interactive use only: with a terminal on both ends and no --yes, ask.
bool operator_agrees(const std::vector<netcfg::Change>& kernel, bool table_changes) {
  std::printf("apply will change %zu kernel item%s%s. Continue? [y/N] ", kernel.size(),
              kernel.size() == 1 ? "" : "s", table_changes ? " and the table file" : "");
  std::fflush(stdout);
  char answer[16] = {};
  if (std::fgets(answer, sizeof answer, stdin) == nullptr) return false;
  return answer[0] == 'y' || answer[0] == 'Y';
}

// --probe without --confirm: the watcher decides as soon as the probes are
// done (each bounded), so the deadline is only what the generation records
// while it is pending.
constexpr int kProbeImpliedConfirm = 30;

// The probes as written, checked before anything changes: each must parse,
// have a route from its namespace, and get a target from the new profile.
// nullopt after printing what is wrong.
std::optional<std::vector<ProbePlan>> plan_probes(const ApplyOptions& o, const LoadedProfile& l) {
  std::vector<ProbePlan> plans;
  for (const auto& text : o.probes) {
    std::string error;
    const auto spec = parse_probe(text, error);
    if (!spec) {
      print_error(error);
      return std::nullopt;
    }
    ProbePlan plan{*spec, probe_label(*spec), {}};
    table::Tuple t;
    t.local = spec->addr;
    t.lport = spec->port;
    t.rport = 40000;
    try {
      t.remote = probe_source(*spec);
    } catch (const std::exception& e) {
      print_error("--probe " + plan.label + ": " + e.what());
      return std::nullopt;
    }
    const Explanation e = explain(l.profile, l.compiled, t);
    if (e.action.kind != table::ActionKind::Unix) {
      const Route* r = e.route ? &l.profile.routes[*e.route] : nullptr;
      print_error("--probe " + plan.label + ": the profile gives it no target (" +
                  (r ? r->label() + " closes it" : std::string("no route matches it")) +
                  "); a probe must expect a route to a target");
      return std::nullopt;
    }
    plan.target = l.compiled.table.targets[e.action.arg].path;
    plans.push_back(std::move(plan));
  }
  return plans;
}

// What the watcher decided about a probed generation, once it has decided
// (and, after a rollback, checked the kernel); bounded by what the probes can
// take. nullopt: still undecided at the bound.
std::optional<GenerationMeta> wait_for_probes(const GenerationStore& store, unsigned id,
                                              std::size_t probes) {
  // Per probe: two counter reads, the connect and the counter wait, plus the
  // rollback's reload.
  const std::time_t bound = std::time(nullptr) + static_cast<std::time_t>(probes) * 10 + 10;
  for (;;) {
    const GenerationMeta m = store.read_meta(id);
    // A failed rollback leaves the generation pending, with the check written.
    if (!m.rollback_check.empty()) return m;
    if (m.state != GenState::Pending && m.probe_result != "failed") return m;
    if (m.state != GenState::Pending && m.probe_result.empty()) return m;
    if (std::time(nullptr) >= bound) return std::nullopt;
    timespec ts{0, 20 * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
}

bool rollback_verified(const GenerationMeta& m) {
  return m.rollback_check.rfind("verified", 0) == 0;
}

// Exit code after a probed apply: 0 confirmed, 2 rolled back, 3 rolled back
// but the kernel does not hold the state from before (as the watcher's).
int probe_exit_code(const std::optional<GenerationMeta>& m) {
  if (!m) return kExitError;
  if (m->state == GenState::Applied) return kExitOk;
  if (m->probe_result.empty()) return kExitError;  // rolled back by another command
  if (m->probe_result == "failed" && !rollback_verified(*m)) return kRollbackIncomplete;
  return kExitError;
}

void write_probe_json(JsonWriter& w, const std::optional<GenerationMeta>& m) {
  w.key("probe").begin_object().key("state");
  if (!m) {
    w.value("undecided").end_object();
    return;
  }
  w.value(to_word(m->state)).key("result").value(m->probe_result).key("detail").value(m->probe);
  w.key("rollback_check").value(m->rollback_check).end_object();
}

// Text lines (stderr: the journal under systemd) for what the watcher decided.
void print_probe_outcome(const std::optional<GenerationMeta>& m, unsigned id) {
  const Style& s = out_style();
  const std::string gen = "generation " + std::to_string(id);
  if (!m) {
    print_error(gen + ": the probes did not finish in time; see 'sbctl status'");
    return;
  }
  // `sbctl confirm` or `rollback` from elsewhere can decide while probing.
  if (m->probe_result.empty()) {
    print_warning(gen + " was " +
                  (m->state == GenState::Applied ? "confirmed" : std::string(to_word(m->state))) +
                  " by another command before the probes finished");
    return;
  }
  if (m->probe_result == "passed") {
    std::printf("%s\n",
                s.paint("confirmed " + gen + ": probes passed (" +
                            m->probe.substr(m->probe.rfind("passed: ", 0) == 0 ? 8 : 0) + ")",
                        Color::Green)
                    .c_str());
    return;
  }
  if (m->state == GenState::RolledBack)
    print_error(gen + " rolled back at once: " + m->probe);
  else
    print_error(gen + ": " + m->probe + "; rolling it back failed, it is still " +
                std::string(to_word(m->state)));
  if (rollback_verified(*m))
    std::fprintf(stderr, "sbctl: rollback %s\n", m->rollback_check.c_str());
  else
    print_error("ROLLBACK INCOMPLETE: " + m->rollback_check);
}

void print_change_json(const ChangeResult& r, const std::string& netns, const std::string& table,
                       const std::string& relay_config, int confirm,
                       const std::optional<std::optional<GenerationMeta>>& probe = std::nullopt) {
  JsonWriter w;
  w.begin_object()
      .key("generation")
      .value(static_cast<std::int64_t>(r.generation))
      .key("unchanged")
      .value(r.unchanged)
      .key("netns")
      .value(netns)
      .key("kernel_changes");
  write_kernel_changes(w, r.kernel_changes);
  w.key("table").begin_object().key("path").value(table).key("changed").value(r.table_changed);
  w.end_object().key("sbd").begin_object().key("reloaded").value(r.sbd_reloaded);
  if (r.sbd_reloaded) w.key("table_generation").value(static_cast<std::int64_t>(r.sbd_generation));
  w.end_object().key("relay");
  if (r.relay_managed) {
    w.begin_object()
        .key("config")
        .value(relay_config)
        .key("changed")
        .value(r.relay_changed)
        .key("reloaded")
        .value(r.relay_reloaded);
    if (r.relay_reloaded) w.key("generation").value(static_cast<std::int64_t>(r.relay_generation));
    w.end_object();
  } else {
    w.null();
  }
  w.key("confirm_seconds").value(static_cast<std::int64_t>(confirm)).key("warnings");
  write_strings(w, r.warnings);
  if (probe) write_probe_json(w, *probe);
  w.end_object();
  std::printf("%s\n", w.str().c_str());
}

int run(const ApplyOptions& given) {
  ApplyOptions o = given;
  if (o.confirm < 0) {
    print_error("--confirm takes a number of seconds greater than 0");
    return kExitError;
  }
  if (!o.probes.empty() && o.confirm == 0) o.confirm = kProbeImpliedConfirm;
  for (const auto& text : o.probes) {  // the form first: no profile work for a typo
    std::string error;
    if (!parse_probe(text, error)) {
      print_error(error);
      return kExitError;
    }
  }
  const LoadedProfile l = load_profile_checked(o.profile, true, o.strict);
  const Profile& p = l.profile;
  const std::string netns = pick_netns(o.netns, p.netns);
  GenerationStore store(absolute_path(o.state_dir));
  store.lock();
  netcfg::NetnsScope ns(netns);
  const auto probes = plan_probes(o, l);
  if (!probes) return kExitError;

  PlannedChange c;
  c.kind = GenKind::Apply;
  c.kernel = desired_state(p);
  c.table_text = l.compiled.text;
  c.socketdirs = socket_dirs(p);
  for (const auto& e : l.compiled.table.listeners) c.listeners.push_back({e.port, e.path});
  c.table_path = p.daemon.table;
  c.control_path = p.daemon.control;
  c.profile_source = absolute_path(o.profile);
  c.profile_text = l.text;
  c.netns = netns;
  c.confirm_seconds = o.confirm;
  // sb-relay's file: written when the profile has relay routes, or to empty
  // it when the file there is one sbctl wrote; otherwise left alone.
  c.relay_config_path = p.relay.config;
  c.relay_control_path = p.relay.control;
  c.relay_text = planned_relay_text(p);

  if (!o.yes && !o.json && ::isatty(0) && ::isatty(1)) {
    const auto kernel = netcfg::diff(*c.kernel, netcfg::read_kernel_state());
    if (!operator_agrees(kernel, true)) {
      std::printf("nothing applied\n");
      return kExitError;
    }
  }

  const ChangeResult r = apply_change(store, c);
  for (const auto& w : r.warnings) print_warning(w);
  if (o.json) {
    if (o.confirm > 0 && !r.unchanged) spawn_confirm_watcher(store.dir(), r.generation, *probes);
    std::optional<std::optional<GenerationMeta>> outcome;
    if (!probes->empty() && !r.unchanged) {
      store.unlock();  // the watcher decides under the lock
      outcome = wait_for_probes(store, r.generation, probes->size());
    }
    print_change_json(r, netns, p.daemon.table, p.relay.config,
                      o.confirm > 0 && !r.unchanged ? o.confirm : 0, outcome);
    return outcome ? probe_exit_code(*outcome) : kExitOk;
  }
  const Style& s = out_style();
  if (r.unchanged) {
    std::printf("%s: generation %u%s stays current (kernel 0 changes, table %s unchanged)\n",
                s.paint("no changes", Color::Green).c_str(), r.generation,
                netns.empty() ? "" : (" in netns " + netns).c_str(), p.daemon.table.c_str());
    if (o.confirm > 0) std::printf("nothing to confirm\n");
    return kExitOk;
  }
  std::printf("%s generation %u%s: kernel %zu change%s, table %s %s",
              s.paint("applied", Color::Green).c_str(), r.generation,
              netns.empty() ? "" : (" in netns " + netns).c_str(), r.kernel_changes.size(),
              r.kernel_changes.size() == 1 ? "" : "s", p.daemon.table.c_str(),
              r.table_changed ? "written" : "unchanged");
  if (r.sbd_reloaded) std::printf(", sbd reloaded (table generation %lld)", r.sbd_generation);
  if (r.relay_managed)
    std::printf(", sb-relay config %s %s", p.relay.config.c_str(),
                r.relay_changed ? "written" : "unchanged");
  if (r.relay_reloaded) std::printf(", sb-relay reloaded (generation %lld)", r.relay_generation);
  std::printf("\n");
  if (!probes->empty()) {
    spawn_confirm_watcher(store.dir(), r.generation, *probes);
    std::printf(
        "probing %zu destination%s: all passing confirms generation %u, one failing "
        "rolls it back at once\n",
        probes->size(), probes->size() == 1 ? "" : "s", r.generation);
    std::fflush(stdout);
    store.unlock();  // the watcher decides under the lock
    const auto outcome = wait_for_probes(store, r.generation, probes->size());
    print_probe_outcome(outcome, r.generation);
    return probe_exit_code(outcome);
  }
  if (o.confirm > 0) {
    spawn_confirm_watcher(store.dir(), r.generation);
    std::printf(
        "%s\n",
        s.paint("applied generation " + std::to_string(r.generation) + "; run 'sbctl confirm" +
                    (o.state_dir == kDefaultStateDir ? "" : " --state-dir " + store.dir()) +
                    "' within " + std::to_string(o.confirm) + " s or it is rolled back",
                Color::Yellow)
            .c_str());
  }
  return kExitOk;
}

}  // namespace

int run_apply(const ApplyOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
