// sbctl down PROFILE [--netns NAME] [--state-dir DIR]: remove the kernel
// state socketbox owns (its nft table and its local routes). The table file
// and socket directories stay: backends keep their sockets, and sbd keeps a
// valid table; with no steering left, no connection reaches it. Recorded as
// a generation, so `sbctl rollback` brings everything back.
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "ops/transaction.hpp"
#include "output/change_json.hpp"
#include "output/style.hpp"
#include "socketbox/netcfg/kernel.hpp"

namespace socketbox::sbctl {
namespace {

int run(const DownOptions& o) {
  const LoadedProfile l = load_profile_checked(o.profile, false);
  const std::string netns = pick_netns(o.netns, l.profile.netns);
  GenerationStore store(absolute_path(o.state_dir));
  store.lock();
  netcfg::NetnsScope ns(netns);
  PlannedChange c;
  c.kind = GenKind::Down;
  c.table_path = l.profile.daemon.table;
  c.control_path = l.profile.daemon.control;
  c.profile_source = absolute_path(o.profile);
  c.profile_text = l.text;
  c.netns = netns;
  const ChangeResult r = apply_change(store, c);
  for (const auto& w : r.warnings) print_warning(w);
  if (o.json) {
    JsonWriter w;
    w.begin_object()
        .key("generation")
        .value(static_cast<std::int64_t>(r.generation))
        .key("netns")
        .value(netns)
        .key("kernel_changes");
    write_kernel_changes(w, r.kernel_changes);
    w.key("warnings");
    write_strings(w, r.warnings);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf(
      "%s generation %u: removed %zu kernel item%s (nft table inet socketbox, local routes proto "
      "91); "
      "%s and socket directories kept\n",
      out_style().paint("down", Color::Yellow).c_str(), r.generation, r.kernel_changes.size(),
      r.kernel_changes.size() == 1 ? "" : "s", c.table_path.c_str());
  return kExitOk;
}

}  // namespace

int run_down(const DownOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
