// sbctl diff PROFILE [--netns NAME] [--state-dir DIR]: what apply would
// change in the kernel, the table file, sb-relay's file and the socket
// directories, and the drains in force that it would end (apply starts from
// the profile alone). Exit 0 nothing, 1 changes, 2 error.
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "compile/desired_state.hpp"
#include "ops/box_state.hpp"
#include "output/change_json.hpp"
#include "output/line_diff.hpp"
#include "output/style.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/table/table_file.hpp"
#include "state/generation_store.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

// The drains of the generation in force: apply would end them. Read only;
// no store (a box never applied) means none.
std::vector<std::pair<std::string, std::string>> drains_in_force(const std::string& state_dir) {
  const GenerationStore store(absolute_path(state_dir));
  const auto cur = store.current();
  if (!cur) return {};
  return store.read_meta(*cur).drained;
}

std::string drain_text(const std::pair<std::string, std::string>& d) {
  return "route '" + d.first + "' is drained (" +
         (d.second.empty() ? std::string("to the rest of its list") : "to " + d.second) +
         "); apply ends the drain";
}

int run(const DiffOptions& o) {
  const LoadedProfile l = load_profile_checked(o.profile, false);
  const Profile& p = l.profile;
  const Style& s = out_style();
  bool changes = false;

  std::vector<netcfg::Change> kernel;
  std::vector<std::string> drift;
  {
    netcfg::NetnsScope ns(pick_netns(o.netns, p.netns));
    kernel = netcfg::diff(desired_state(p), netcfg::read_kernel_state());
    for (const auto& d : socket_dirs(p))
      for (const auto& line : netcfg::socketdir_drift(d)) drift.push_back(d.path + ": " + line);
  }
  const auto on_disk = table::read_table_text_if_exists(p.daemon.table);
  // sb-relay's file, when apply would write it.
  const auto relay_planned = planned_relay_text(p);
  const auto relay_on_disk =
      relay_planned ? read_relay_file(p.relay.config) : std::optional<std::string>{};
  const bool relay_differs = relay_planned && relay_planned != relay_on_disk;
  const auto drains = drains_in_force(o.state_dir);
  if (o.json) {
    const bool table_differs = !on_disk || *on_disk != l.compiled.text;
    const bool any =
        !kernel.empty() || table_differs || relay_differs || !drift.empty() || !drains.empty();
    JsonWriter w;
    w.begin_object().key("changes").value(any).key("kernel");
    write_kernel_changes(w, kernel);
    w.key("table")
        .begin_object()
        .key("path")
        .value(p.daemon.table)
        .key("exists")
        .value(on_disk.has_value())
        .key("diff");
    write_strings(w,
                  on_disk ? unified_diff(*on_disk, l.compiled.text) : std::vector<std::string>{});
    w.end_object().key("relay");
    if (relay_planned) {
      w.begin_object()
          .key("path")
          .value(p.relay.config)
          .key("exists")
          .value(relay_on_disk.has_value())
          .key("changed")
          .value(relay_differs)
          .key("diff");
      write_strings(w, relay_on_disk ? unified_diff(*relay_on_disk, *relay_planned)
                                     : std::vector<std::string>{});
      w.end_object();
    } else {
      w.null();
    }
    w.key("socket_dirs");
    write_strings(w, drift);
    w.key("drains_ended").begin_array();
    for (const auto& [route, to] : drains)
      w.begin_object().key("route").value(route).key("to").value(to).end_object();
    w.end_array();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return any ? kExitChanges : kExitOk;
  }
  if (!kernel.empty()) {
    changes = true;
    std::printf("%s\n", s.paint("kernel:", Color::Bold).c_str());
    for (const auto& c : kernel) {
      const Color color = c.kind == netcfg::Change::Kind::Add      ? Color::Green
                          : c.kind == netcfg::Change::Kind::Remove ? Color::Red
                                                                   : Color::Yellow;
      std::printf("  %s\n", s.paint(netcfg::to_string(c), color).c_str());
    }
  }

  if (!on_disk) {
    changes = true;
    std::printf("%s %s does not exist; apply writes it (%zu lines)\n",
                s.paint("table:", Color::Bold).c_str(), p.daemon.table.c_str(),
                l.compiled.route_of_line.size());
  } else if (*on_disk != l.compiled.text) {
    changes = true;
    std::printf("%s\n", s.paint("table:", Color::Bold).c_str());
    std::printf("  --- %s\n  +++ compiled from %s\n", p.daemon.table.c_str(), o.profile.c_str());
    for (const auto& line : unified_diff(*on_disk, l.compiled.text)) {
      const Color c = line[0] == '+'   ? Color::Green
                      : line[0] == '-' ? Color::Red
                      : line[0] == '@' ? Color::Cyan
                                       : Color::None;
      std::printf("  %s\n", s.paint(line, c).c_str());
    }
  }

  if (relay_planned && !relay_on_disk) {
    changes = true;
    std::printf("%s %s does not exist; apply writes it\n",
                s.paint("sb-relay config:", Color::Bold).c_str(), p.relay.config.c_str());
  } else if (relay_differs) {
    changes = true;
    std::printf("%s\n", s.paint("sb-relay config:", Color::Bold).c_str());
    std::printf("  --- %s\n  +++ compiled from %s\n", p.relay.config.c_str(), o.profile.c_str());
    for (const auto& line : unified_diff(*relay_on_disk, *relay_planned)) {
      const Color c = line[0] == '+'   ? Color::Green
                      : line[0] == '-' ? Color::Red
                      : line[0] == '@' ? Color::Cyan
                                       : Color::None;
      std::printf("  %s\n", s.paint(line, c).c_str());
    }
  }

  if (!drift.empty()) {
    changes = true;
    std::printf("%s\n", s.paint("socket directories:", Color::Bold).c_str());
    for (const auto& d : drift) std::printf("  %s\n", s.paint("~ " + d, Color::Yellow).c_str());
  }
  if (!drains.empty()) {
    changes = true;
    std::printf("%s\n", s.paint("drains:", Color::Bold).c_str());
    for (const auto& d : drains)
      std::printf("  %s\n", s.paint("~ " + drain_text(d), Color::Yellow).c_str());
  }
  if (!changes)
    std::printf("no changes: the kernel, %s and the socket directories match %s\n",
                p.daemon.table.c_str(), o.profile.c_str());
  return changes ? kExitChanges : kExitOk;
}

}  // namespace

int run_diff(const DiffOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
