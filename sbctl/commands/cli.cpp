// The command line: CLI11 subcommands and their options, each bound to a
// command's run_* function. Exit codes: 0 ok, 1 differences (diff), 2 error.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "commands/completion.hpp"
#include "output/style.hpp"
#include "socketbox/version.hpp"

namespace socketbox::sbctl {
namespace {

// The command picked on the command line, run after parsing.
using Runner = std::function<int()>;

void add_check(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* sub =
      app.add_subcommand("check", "Check a profile: errors exit 2, warnings are printed (exit 0)");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_flag("--strict", o->strict, "treat warnings as errors");
  sub->add_flag("--json", o->json, "print the diagnostics as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_check(*o); }; });
}

void add_compile(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<CompileOptions>();
  CLI::App* sub = app.add_subcommand(
      "compile", "Print the sbd table a profile compiles to (or the nft ruleset)");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_flag("--nft", o->nft, "print the nftables ruleset apply would load instead");
  sub->add_option("-o,--output", o->output,
                  "write to FILE (atomically) instead of standard output");
  sub->callback([o, &runner] { runner = [o] { return run_compile(*o); }; });
}

void add_explain(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* sub =
      app.add_subcommand("explain", "Show which route a connection to ADDR:PORT takes, and why");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_option("ADDR", o->addr,
                  "destination address (IPv6 or IPv4), or [ADDR]:PORT / A.B.C.D:PORT in one")
      ->required();
  sub->add_option("PORT", o->port, "destination port (unless given with ADDR)");
  sub->add_option("--from", o->from, "client address (default: any)");
  sub->add_option("--netns", o->netns,
                  "network namespace whose kernel state to check (default: the profile's)");
  sub->add_flag("--json", o->json, "print the explanation as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_explain(*o); }; });
}

void add_diff(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* sub =
      app.add_subcommand("diff", "Show what apply would change (exit 0 none, 1 changes, 2 error)");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_option("--netns", o->netns, "network namespace to compare (default: the profile's)");
  sub->add_option("--state-dir", o->state_dir,
                  "where generations are kept (diff names the drains apply would end)")
      ->capture_default_str();
  sub->add_flag("--json", o->json, "print the changes as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_diff(*o); }; });
}

void add_apply(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<ApplyOptions>();
  CLI::App* sub = app.add_subcommand(
      "apply", "Apply a profile: kernel state, table file, socket dirs, sbd reload");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_option("--netns", o->netns, "network namespace to configure (default: the profile's)");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_option("--confirm", o->confirm,
                  "roll back after SECONDS unless 'sbctl confirm' comes first");
  sub->add_option("--probe", o->probes,
                  "after applying, connect to ADDR:PORT[@NETNS] and check sbd handed it to the "
                  "route the profile gives it: all pass confirms, one failing rolls back at once "
                  "(implies --confirm 30)")
      ->type_name("ADDR:PORT[@NETNS]")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sub->add_flag("-y,--yes", o->yes, "do not ask, even on a terminal");
  sub->add_flag("--strict", o->strict, "refuse a profile with warnings");
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_apply(*o); }; });
}

void add_confirm(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<ConfirmOptions>();
  CLI::App* sub = app.add_subcommand("confirm", "Keep the generation applied with --confirm");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_confirm(*o); }; });
}

void add_rollback(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<RollbackOptions>();
  CLI::App* sub = app.add_subcommand("rollback", "Return to the previous generation");
  sub->add_option("--netns", o->netns,
                  "network namespace (default: the one the generation was applied in)");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_rollback(*o); }; });
}

void add_down(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<DownOptions>();
  CLI::App* sub = app.add_subcommand(
      "down", "Remove the kernel state socketbox owns (recorded; rollback undoes it)");
  sub->add_option("PROFILE", o->profile, "the profile (TOML)")->required();
  sub->add_option("--netns", o->netns, "network namespace (default: the profile's)");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_down(*o); }; });
}

void add_status(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<StatusOptions>();
  CLI::App* sub =
      app.add_subcommand("status", "Show the applied generation, drift, and sbd's counters");
  sub->add_option("--netns", o->netns,
                  "network namespace (default: the one the generation was applied in)");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_option("--control", o->control, "sbd's control socket (default: the applied profile's)");
  sub->add_option("--relay-control", o->relay_control,
                  "sb-relay's control socket (default: the applied profile's, if it has relay "
                  "routes)");
  sub->add_flag("--json", o->json,
                "print as JSON (sbd's and sb-relay's status embedded as they answered)");
  sub->callback([o, &runner] { runner = [o] { return run_status(*o); }; });
}

void add_metrics(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<MetricsOptions>();
  CLI::App* sub = app.add_subcommand(
      "metrics", "Print sbd's and sbctl's metrics as Prometheus text, or serve them over HTTP");
  sub->add_option("PROFILE", o->profile,
                  "the profile whose sbd to ask (default: the generation in force's)");
  sub->add_option("--netns", o->netns,
                  "network namespace to check for drift (default: the profile's or generation's)");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_option("--control", o->control, "sbd's control socket (default: the profile's)");
  sub->add_option(
      "--listen", o->listen,
      "serve http://ADDR:PORT/metrics, gathered afresh per scrape, instead of printing");
  sub->callback([o, &runner] { runner = [o] { return run_metrics(*o); }; });
}

void add_generations(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<GenerationsOptions>();
  CLI::App* sub =
      app.add_subcommand("generations", "List the recorded generations: time, kind, state and why");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_flag("--json", o->json, "print as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_generations(*o); }; });
}

void add_reload(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<ReloadOptions>();
  CLI::App* sub = app.add_subcommand(
      "reload", "Ask sbd to reload its table file (exit 2 if it refuses it or is not running)");
  sub->add_option("--control", o->control, "sbd's control socket")->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_reload(*o); }; });
}

void add_watch(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<WatchOptions>();
  CLI::App* sub = app.add_subcommand(
      "watch",
      "Stay in the foreground and restore the applied generation's kernel state when "
      "another tool removes or changes it");
  sub->add_option("--netns", o->netns,
                  "network namespace (default: the one the current generation was applied in)");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_option("--fight-limit", o->fight_limit,
                  "stop restoring an object removed this many times within --fight-window")
      ->capture_default_str();
  sub->add_option("--fight-window", o->fight_window, "seconds")->capture_default_str();
  sub->add_option("--debounce", o->debounce_ms,
                  "milliseconds a burst of notifications is gathered into one restore")
      ->capture_default_str();
  sub->callback([o, &runner] { runner = [o] { return run_watch(*o); }; });
}

void add_completion(CLI::App& app, Runner& runner) {
  auto shell = std::make_shared<std::string>();
  CLI::App* sub =
      app.add_subcommand("completion", "Print a shell completion script (bash) for sbctl");
  sub->add_option("SHELL", *shell, "the shell")->required()->check(CLI::IsMember({"bash"}));
  // `shell` is captured so that the string CLI11 writes into outlives this function.
  sub->callback([shell, &app, &runner] {
    runner = [&app] {
      std::fputs(bash_completion(app).c_str(), stdout);
      return kExitOk;
    };
  });
}

void add_drain(CLI::App& app, Runner& runner, bool undrain) {
  auto o = std::make_shared<DrainOptions>();
  o->undrain = undrain;
  CLI::App* sub = app.add_subcommand(
      undrain ? "undrain" : "drain",
      undrain ? "Send a drained route's connections where its profile says again (recorded)"
              : "Send a named route's connections to the rest of its failover list or --to "
                "(recorded; rollback undoes it)");
  sub->add_option("ROUTE", o->route, "the route's name")->required();
  if (!undrain) sub->add_option("--to", o->to, "where its connections go instead (\"unix:/PATH\")");
  sub->add_option("--state-dir", o->state_dir, "where generations are kept")->capture_default_str();
  sub->add_flag("--json", o->json, "print the result as JSON");
  sub->callback([o, &runner] { runner = [o] { return run_drain(*o); }; });
}
}  // namespace

int run_command_line(int argc, char** argv) {
  CLI::App app{"sbctl: operate a socketbox from one profile (see docs/sbctl.md)", "sbctl"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sbctl ") + kVersion);
  Runner runner;
  add_check(app, runner);
  add_compile(app, runner);
  add_explain(app, runner);
  add_diff(app, runner);
  add_apply(app, runner);
  add_confirm(app, runner);
  add_rollback(app, runner);
  add_down(app, runner);
  add_drain(app, runner, false);
  add_drain(app, runner, true);
  add_status(app, runner);
  add_generations(app, runner);
  add_metrics(app, runner);
  add_reload(app, runner);
  add_completion(app, runner);
  add_watch(app, runner);
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

}  // namespace socketbox::sbctl
