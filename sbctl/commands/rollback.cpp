// sbctl rollback [--netns NAME] [--state-dir DIR]: back to the state before
// the current generation (kernel, table file, sbd reload).
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "ops/transaction.hpp"
#include "output/change_json.hpp"
#include "output/style.hpp"
#include "socketbox/netcfg/kernel.hpp"

namespace socketbox::sbctl {
namespace {

int run(const RollbackOptions& o) {
  GenerationStore store(absolute_path(o.state_dir));
  store.lock();
  const std::vector<std::string> repaired = repair_interrupted(store);
  for (const auto& n : repaired) print_warning(n);
  const auto cur = store.current();
  if (!cur && !repaired.empty()) {
    if (o.json) {
      JsonWriter w;
      w.begin_object().key("rolled_back").null().key("current").null().key("repaired");
      write_strings(w, repaired);
      w.end_object();
      std::printf("%s\n", w.str().c_str());
    }
    return kExitOk;
  }
  if (!cur) {
    print_error("nothing to roll back: no generation is applied (state dir " + store.dir() + ")");
    return kExitError;
  }
  const GenerationMeta m = store.read_meta(*cur);
  netcfg::NetnsScope ns(pick_netns(o.netns, m.netns));
  std::vector<std::string> warnings;
  rollback_generation(store, *cur, RollbackReason::Operator, "rolled back by 'sbctl rollback'",
                      warnings);
  for (const auto& w : warnings) print_warning(w);
  const auto now = store.current();
  if (o.json) {
    JsonWriter w;
    w.begin_object().key("rolled_back").value(static_cast<std::int64_t>(*cur)).key("current");
    if (now)
      w.value(static_cast<std::int64_t>(*now));
    else
      w.null();
    w.key("repaired");
    write_strings(w, repaired);
    w.key("warnings");
    write_strings(w, warnings);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return kExitOk;
  }
  std::printf("%s generation %u; %s\n", out_style().paint("rolled back", Color::Yellow).c_str(),
              *cur,
              now ? ("generation " + std::to_string(*now) + " is current").c_str()
                  : "no generation is current (the box is as before the first apply)");
  return kExitOk;
}

}  // namespace

int run_rollback(const RollbackOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
