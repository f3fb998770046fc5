// libFuzzer harness: any byte string either loads as a table or is refused
// with a ParseError; nothing else may escape, crash or hang. A table that
// loads must hold only paths sbd can use, keep every lookup within the jump
// limit the loader checked, and survive a write/re-read round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketbox/table/parser.hpp"
#include "socketbox/table/text_check.hpp"
#include "socketbox/table/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketbox::table;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Small limits, so that inputs the fuzzer can reach also cross them.
  const LoadLimits limits{4096, 64};
  try {
    const Table t = parse_table(text, "fuzz", limits);
    for (const Target& tg : t.targets)
      if (check_socket_path(tg.path)) __builtin_trap();
    Tuple probe;
    probe.local = *parse_addr("fd01:db8:1:40::1:10");
    probe.remote = *parse_addr("192.0.2.1");
    probe.lport = 443;
    Trace trace;
    const Action a = t.lookup(probe, &trace);
    // A loaded table decides by its own lines, never by the step limit.
    if (trace.steps.empty() || trace.steps.size() > kMaxJumpChain + 1 ||
        !(trace.steps.back().action == a))
      __builtin_trap();
    const Table again = parse_table(format_table(t), "rewritten");
    const Action b = again.lookup(probe);
    // The writer may list targets in another order: compare what a Unix
    // action names (its path), not its index in the target list.
    if (a.kind != b.kind) __builtin_trap();
    if (a.kind == ActionKind::Unix ? t.targets[a.arg].path != again.targets[b.arg].path
                                   : a.arg != b.arg)
      __builtin_trap();
  } catch (const ParseError&) {
  }
  return 0;
}
