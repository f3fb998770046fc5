// sbctl compile PROFILE [--nft] [-o FILE]: the sbd table (or nft ruleset) text.
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "compile/desired_state.hpp"
#include "output/style.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

int run(const CompileOptions& o) {
  const LoadedProfile l = load_profile_checked(o.profile);
  const std::string text = o.nft ? netcfg::render_nft(desired_state(l.profile)) : l.compiled.text;
  if (o.output.empty() || o.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  try {
    write_file_atomic(o.output, text, 0644);
  } catch (const FileError& e) {
    print_error(e.what());
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int run_compile(const CompileOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
