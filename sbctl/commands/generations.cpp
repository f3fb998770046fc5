// sbctl generations [--state-dir DIR] [--json]: every recorded generation,
// oldest first, with its time, kind, state and why it ended where it did.
// Read-only: it takes no lock, like status.
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "output/json_writer.hpp"
#include "output/style.hpp"
#include "output/text_table.hpp"
#include "output/timestamp.hpp"
#include "state/generation_store.hpp"

namespace socketbox::sbctl {
namespace {

Color color_of(GenState s) {
  switch (s) {
    case GenState::Applied:
      return Color::Green;
    case GenState::Pending:
      return Color::Yellow;
    case GenState::Incomplete:
    case GenState::Interrupted:
      return Color::Red;
    case GenState::RolledBack:
      return Color::Dim;
  }
  return Color::None;
}

void print_json(const std::vector<GenerationMeta>& gens, std::optional<unsigned> current) {
  JsonWriter w;
  w.begin_object().key("current");
  if (current)
    w.value(static_cast<std::int64_t>(*current));
  else
    w.null();
  w.key("generations").begin_array();
  for (const auto& m : gens) {
    w.begin_object()
        .key("id")
        .value(static_cast<std::int64_t>(m.id))
        .key("created")
        .value(static_cast<std::int64_t>(m.created))
        .key("kind")
        .value(to_word(m.kind))
        .key("state")
        .value(to_word(m.state))
        .key("previous")
        .value(static_cast<std::int64_t>(m.previous))
        .key("profile")
        .value(m.profile)
        .key("netns")
        .value(m.netns);
    if (m.state == GenState::Pending)
      w.key("confirm_deadline").value(static_cast<std::int64_t>(m.deadline));
    w.key("reason");
    if (m.reason == RollbackReason::None)
      w.null();
    else
      w.value(to_word(m.reason));
    w.key("note").value(m.note).end_object();
  }
  w.end_array().end_object();
  std::printf("%s\n", w.str().c_str());
}

void print_text(const std::vector<GenerationMeta>& gens, std::optional<unsigned> current) {
  if (gens.empty()) {
    std::printf("no generations recorded\n");
    return;
  }
  TextTable t;
  t.add({Cell("GEN", Color::Bold), Cell("CREATED", Color::Bold), Cell("KIND", Color::Bold),
         Cell("STATE", Color::Bold), Cell("PROFILE", Color::Bold), Cell("NOTE", Color::Bold)});
  for (const auto& m : gens) {
    const bool is_current = current && *current == m.id;
    t.add({std::to_string(m.id) + (is_current ? " *" : ""), utc_time(m.created),
           std::string(to_word(m.kind)), Cell(std::string(to_word(m.state)), color_of(m.state)),
           m.profile + (m.netns.empty() ? "" : " (netns " + m.netns + ")"), m.note});
  }
  std::fputs(t.render(out_style()).c_str(), stdout);
  std::printf("(* current)\n");
}

int run(const GenerationsOptions& o) {
  const GenerationStore store(absolute_path(o.state_dir));
  std::vector<GenerationMeta> gens;
  for (const unsigned id : store.list()) gens.push_back(store.read_meta(id));
  const auto current = store.current();
  if (o.json)
    print_json(gens, current);
  else
    print_text(gens, current);
  return kExitOk;
}

}  // namespace

int run_generations(const GenerationsOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
