// sbctl watch [--netns NAME] [--state-dir DIR]: in the foreground, keep the
// current generation's kernel state in place (see watch/watcher.hpp).
#include <signal.h>
#include <sys/signalfd.h>

#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "output/style.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/systemd.hpp"
#include "socketbox/unique_fd.hpp"
#include "state/generation_store.hpp"
#include "watch/watcher.hpp"

namespace socketbox::sbctl {
namespace {

int run(const WatchOptions& o) {
  if (o.fight_limit < 1 || o.fight_window < 1 || o.debounce_ms < 1) {
    print_error("--fight-limit, --fight-window and --debounce take numbers greater than 0");
    return kExitError;
  }
  WatcherConfig c;
  c.state_dir = absolute_path(o.state_dir);
  c.fight_limit = o.fight_limit;
  c.fight_window = std::chrono::seconds(o.fight_window);
  c.debounce = std::chrono::milliseconds(o.debounce_ms);
  c.netns = o.netns;
  if (c.netns.empty()) {
    // Without --netns: where the generation in force was applied.
    const GenerationStore store(c.state_dir);
    if (const auto cur = store.current()) c.netns = store.read_meta(*cur).netns;
  }
  c.ready = [](const std::string& status) {
    std::fprintf(stderr, "sbctl watch: %s\n", status.c_str());
    systemd::notify("READY=1\nSTATUS=" + status);
  };

  // Signals arrive through a descriptor the loop polls: a restore under
  // way is finished, never cut short.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
    print_error("cannot block SIGTERM/SIGINT");
    return kExitError;
  }
  const UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sfd) {
    print_error("cannot create a signalfd");
    return kExitError;
  }
  const netcfg::NetnsScope ns(c.netns);
  return run_watcher(c, sfd.get());
}

}  // namespace

int run_watch(const WatchOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
