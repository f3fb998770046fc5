// sbctl drain ROUTE [--to unix:/PATH] [--state-dir DIR] / sbctl undrain
// ROUTE: send a named route's connections elsewhere for a while (the rest
// of its failover list, or --to), and back. Each is a generation over the
// current one: same profile and kernel state, the table compiled with the
// drains in force laid over the profile, so `sbctl rollback` undoes it and
// `sbctl generations` shows it. A later `sbctl apply` starts from the
// profile alone: drains do not carry over.
#include "compile/drain.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "compile/desired_state.hpp"
#include "compile/table_compiler.hpp"
#include "ops/box_state.hpp"
#include "ops/transaction.hpp"
#include "output/change_json.hpp"
#include "output/json_writer.hpp"
#include "output/style.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

int run(const DrainOptions& o) {
  if (!o.to.empty() && o.undrain) {
    print_error("undrain takes no --to");
    return kExitError;
  }
  if (!o.to.empty()) {
    if (const std::string bad = drain_target_problem(o.to); !bad.empty()) {
      print_error(bad);
      return kExitError;
    }
  }
  if (o.route.find('\t') != std::string::npos) {
    print_error("route names with a tab cannot be drained");
    return kExitError;
  }
  GenerationStore store(absolute_path(o.state_dir));
  store.lock();
  for (const auto& n : repair_interrupted(store)) print_warning(n);
  const auto cur = store.current();
  if (!cur) {
    print_error("nothing to drain: no generation is applied (state dir " + store.dir() + ")");
    return kExitError;
  }
  const GenerationMeta m = store.read_meta(*cur);
  if (m.kind == GenKind::Down) {
    print_error("generation " + std::to_string(*cur) +
                " took socketbox down; apply a profile before draining a route");
    return kExitError;
  }
  const std::string text = read_file(store.path_of(*cur) + "/profile.toml");
  Profile p = parse_profile(text, m.profile);

  std::vector<Drain> drains;
  for (const auto& [route, to] : m.drained)
    if (route != o.route) drains.push_back({route, to});
  if (o.undrain && drains.size() == m.drained.size()) {
    print_error("route '" + o.route + "' is not drained (generation " + std::to_string(*cur) + ")");
    return kExitError;
  }
  if (!o.undrain) drains.push_back({o.route, o.to});
  try {
    apply_drains(p, drains);
  } catch (const std::invalid_argument& e) {
    print_error(e.what());
    return kExitError;
  }
  const CompiledTable compiled = compile_table(p);
  const auto route = std::find_if(p.routes.begin(), p.routes.end(),
                                  [&](const Route& r) { return r.name == o.route; });

  netcfg::NetnsScope ns(m.netns);
  PlannedChange c;
  c.kind = o.undrain ? GenKind::Undrain : GenKind::Drain;
  c.kernel = desired_state(p);
  c.table_text = compiled.text;
  c.socketdirs = socket_dirs(p);
  for (const auto& e : compiled.table.listeners) c.listeners.push_back({e.port, e.path});
  c.table_path = p.daemon.table;
  c.control_path = p.daemon.control;
  c.relay_config_path = p.relay.config;
  c.relay_control_path = p.relay.control;
  c.relay_text = planned_relay_text(p);
  c.profile_source = m.profile;
  c.profile_text = text;
  c.netns = m.netns;
  for (const Drain& d : drains) c.drained.emplace_back(d.route, d.to);
  const ChangeResult r = apply_change(store, c);
  for (const auto& w : r.warnings) print_warning(w);
  if (o.json) {
    JsonWriter w;
    w.begin_object()
        .key("generation")
        .value(static_cast<std::int64_t>(r.generation))
        .key("route")
        .value(o.route)
        .key("to")
        .value(route->to.str())
        .key("sbd_reloaded")
        .value(r.sbd_reloaded)
        .key("warnings");
    write_strings(w, r.warnings);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("%s generation %u: route '%s' -> %s%s\n",
              out_style().paint(o.undrain ? "undrained" : "drained", Color::Yellow).c_str(),
              r.generation, o.route.c_str(), route->to.str().c_str(),
              r.sbd_reloaded ? ", sbd reloaded" : "");
  return kExitOk;
}

}  // namespace

int run_drain(const DrainOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
