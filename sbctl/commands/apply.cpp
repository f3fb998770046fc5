// sbctl apply PROFILE [--netns NAME] [--state-dir DIR] [--confirm SECONDS] [--yes]:
// make the box hold the profile, as one step that is recorded as a
// generation and can be rolled back.
#include <unistd.h>

#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "compile/desired_state.hpp"
#include "ops/box_state.hpp"
#include "ops/confirm_watcher.hpp"
#include "ops/transaction.hpp"
#include "output/change_json.hpp"
#include "output/style.hpp"

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

void print_change_json(const ChangeResult& r, const std::string& netns, const std::string& table,
                       const std::string& relay_config, int confirm) {
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
  w.end_object();
  std::printf("%s\n", w.str().c_str());
}

int run(const ApplyOptions& o) {
  if (o.confirm < 0) {
    print_error("--confirm takes a number of seconds greater than 0");
    return kExitError;
  }
  const LoadedProfile l = load_profile_checked(o.profile, true, o.strict);
  const Profile& p = l.profile;
  const std::string netns = pick_netns(o.netns, p.netns);
  GenerationStore store(absolute_path(o.state_dir));
  store.lock();
  netcfg::NetnsScope ns(netns);

  PlannedChange c;
  c.kind = GenKind::Apply;
  c.kernel = desired_state(p);
  c.table_text = l.compiled.text;
  c.socketdirs = socket_dirs(p);
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
    if (o.confirm > 0 && !r.unchanged) spawn_confirm_watcher(store.dir(), r.generation);
    print_change_json(r, netns, p.daemon.table, p.relay.config,
                      o.confirm > 0 && !r.unchanged ? o.confirm : 0);
    return kExitOk;
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
