// sbctl: compiles a socketbox profile into kernel state and sbd's table, and
// applies, diffs, confirms and rolls back changes. Exit codes: 0 ok,
// 1 differences (diff), 2 error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

#include "commands/command.hpp"
#include "output/style.hpp"

using namespace socketbox::sbctl;

int main(int argc, char** argv) {
  CLI::App app{"sbctl: operate a socketbox from one profile (see docs/sbctl.md)", "sbctl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sbctl 0.1.0");
  Runner runner;
  add_check_command(app, runner);
  add_compile_command(app, runner);
  add_explain_command(app, runner);
  add_diff_command(app, runner);
  add_apply_command(app, runner);
  add_confirm_command(app, runner);
  add_rollback_command(app, runner);
  add_down_command(app, runner);
  add_status_command(app, runner);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line, like every other error (CLI11's default adds a second).
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::fprintf(stderr, "sbctl: %s (see sbctl --help)\n", what.c_str());
    return kExitError;
  }
  try {
    return runner ? runner() : kExitError;
  } catch (const Reported& r) {
    return r.code;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitError;
  }
}
