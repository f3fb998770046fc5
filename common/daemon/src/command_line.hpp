// How a daemon (sbd, sb-relay) runs its CLI11 command line: --help and
// --version print and exit 0; any usage error is one line,
// "TOOL: WHAT (see TOOL --help)", and exit kExitUsage.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "exit_codes.hpp"

namespace socketbox::daemon {

struct CommandLineExit {
  int exit_code = kExitOk;
  std::string message;  // what to print: help, version or the error line
};

// Parses `args` (args[0] is the program name), then runs `checks` (which
// throws CLI::ValidationError for what CLI11 cannot check itself).
// nullopt: parsed, go on; otherwise exit with what it says.
template <typename Checks>
std::optional<CommandLineExit> run_command_line(CLI::App& app, const std::string& tool,
                                                const std::vector<std::string>& args,
                                                Checks&& checks) {
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    checks();
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    return CommandLineExit{kExitOk, app.help()};
  } catch (const CLI::CallForVersion& e) {
    return CommandLineExit{kExitOk, e.what()};
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return CommandLineExit{kExitUsage, tool + ": " + what + " (see " + tool + " --help)"};
  }
}

// Whom a daemon runs as once its sockets are bound, the same options in
// every daemon (resolve_credentials() takes what they hold).
inline void add_run_as_options(CLI::App& app, std::string& user, std::string& group,
                               std::vector<std::string>& groups) {
  app.add_option("-u,--user", user, "After binding, switch to this user (name or number)")
      ->type_name("USER");
  app.add_option("-g,--group", group,
                 "After binding, switch to this group (name or number; default: the user's group)")
      ->type_name("GROUP");
  app.add_option("-G,--groups", groups, "Supplementary groups, comma-separated (default: none)")
      ->type_name("G1,G2")
      ->delimiter(',');
}

}  // namespace socketbox::daemon
