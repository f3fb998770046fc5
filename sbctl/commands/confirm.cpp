// sbctl confirm [--state-dir DIR]: keep a generation applied with --confirm.
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "ops/transaction.hpp"
#include "output/style.hpp"
#include "state/generation_store.hpp"

namespace socketbox::sbctl {
namespace {

int run(const ConfirmOptions& o) {
  GenerationStore store(absolute_path(o.state_dir));
  store.lock();  // the watcher decides under this lock too: no lost confirm
  if (const auto cur = store.current()) {
    GenerationMeta m = store.read_meta(*cur);
    if (m.state == GenState::Pending) {
      confirm_generation(store, m, "confirmed");
      if (o.json)
        std::printf("{\"confirmed\":%u}\n", *cur);
      else
        std::printf("%s generation %u\n", out_style().paint("confirmed", Color::Green).c_str(),
                    *cur);
      return kExitOk;
    }
  }
  // Nothing pending: say why, above all when the watcher already acted.
  const auto ids = store.list();
  if (!ids.empty()) {
    const GenerationMeta last = store.read_meta(ids.back());
    if (last.state == GenState::RolledBack && (last.reason == RollbackReason::NotConfirmed ||
                                               last.reason == RollbackReason::ProbeFailed)) {
      print_error("generation " + std::to_string(last.id) +
                  " was already rolled back: " + last.note);
      return kExitError;
    }
  }
  if (o.json)
    std::printf("{\"confirmed\":null}\n");
  else
    std::printf("nothing to confirm: no generation is waiting for confirmation\n");
  return kExitOk;
}

}  // namespace

int run_confirm(const ConfirmOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
