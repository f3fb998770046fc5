// sbctl compile PROFILE [--nft] [-o FILE]: the sbd table (or nft ruleset) text.
#include <cstdio>
#include <memory>

#include "commands/command.hpp"
#include "compile/desired_state.hpp"
#include "output/style.hpp"
#include "util/files.hpp"

namespace socketbox::sbctl {
namespace {

struct Options {
  std::string profile;
  bool nft = false;
  std::string output;
};

int run(const Options& o) {
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

void add_compile_command(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("compile", "Print the sbd table a profile compiles to (or the nft ruleset)");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_flag("--nft", o->nft, "print the nftables ruleset apply would load instead");
  sub->add_option("-o,--output", o->output, "write to FILE (atomically) instead of standard output");
  sub->callback([o, &runner] { runner = [o] { return run(*o); }; });
}

}  // namespace socketbox::sbctl
