// libFuzzer harness: any byte string either loads as a table or is refused
// with a ParseError; nothing else may escape, crash or hang. A table that
// loads must also survive a lookup and a write/re-read round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "socketbox/table/parser.hpp"
#include "socketbox/table/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketbox::table;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Table t = parse_table(text, "fuzz");
    Tuple probe;
    probe.local = *parse_addr("fd01:db8:1:40::1:10");
    probe.remote = *parse_addr("192.0.2.1");
    probe.lport = 443;
    const Action a = t.lookup(probe);
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
