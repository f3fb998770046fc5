// libFuzzer harness: any byte string either parses as an sbctl profile or is
// refused with a ProfileError (file:line:col message); nothing else may
// escape (toml++ errors included), crash or hang. A profile that parses must
// also compile to a table that sbd's parser accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compile/table_compiler.hpp"
#include "profile/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace socketbox;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sbctl::Profile p = sbctl::parse_profile(text, "fuzz.toml");
    // Throws std::logic_error (escapes: a finding) if sbd would not load it.
    const sbctl::CompiledTable t = sbctl::compile_table(p);
    (void)t;
  } catch (const sbctl::ProfileError& e) {
    // Every refusal names the file.
    if (std::string_view(e.what()).rfind("fuzz.toml", 0) != 0) __builtin_trap();
  }
  return 0;
}
