// sb-preload [--map ADDR:PORT=PATH]... [--listener ADDR:PORT=PATH]...
//            [--connect ADDR:PORT=PATH]... [options] [--] COMMAND [ARGS...]
// Runs COMMAND with libsbpreload.so so that its TCP listeners on the mapped
// addresses become socketbox receiving endpoints (or, with --listener, take
// over the listening socket sbd sends to PATH), and its TCP connects to
// the --connect addresses reach the servers receiving at those paths. Exit 2 on a usage error,
// 126/127 when COMMAND cannot be run.
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "locate_library.hpp"
#include "socketbox/guarded_main.hpp"
#include "socketbox/preload/environment.hpp"
#include "socketbox/preload/map_spec.hpp"
#include "socketbox/version.hpp"

namespace {

using namespace socketbox::preload;

[[noreturn]] void usage_error(const std::string& msg) {
  std::cerr << "sb-preload: " << msg << "\n";
  std::exit(2);
}

// A relative PATH is taken from the current directory, made absolute here
// because the server may chdir before it binds.
std::string absolutize(const std::string& map) {
  size_t eq = map.find('=');
  if (eq == std::string::npos || eq + 1 >= map.size() || map[eq + 1] == '/') return map;
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return map;
  return map.substr(0, eq + 1) + cwd + "/" + map.substr(eq + 1);
}

// option is "--map", "--listener" or "--connect"; connect mappings may share
// a path.
std::string validated_maps(const char* option, const std::vector<std::string>& maps,
                           bool unique_paths) {
  std::string joined;
  for (const std::string& raw : maps) {
    std::string m = absolutize(raw);
    std::string what = std::string(option) + " '" + raw + "': ";
    if (m.find('\n') != std::string::npos) usage_error(what + "contains a newline");
    MapSpec spec;
    const char* why = nullptr;
    if (!parse_map(m.data(), m.size(), spec, &why)) usage_error(what + why);
    if (!joined.empty()) joined += '\n';
    joined += m;
  }
  static MapSpec all[kMaxMaps];
  int count = 0;
  char err[300];
  if (!parse_map_list(joined.c_str(), all, kMaxMaps, count, err, sizeof err, unique_paths))
    usage_error(std::string(option) + ": " + err);
  return joined;
}

std::string numeric_uid(const std::string& user) {
  if (user.empty()) return {};
  if (user.find_first_not_of("0123456789") == std::string::npos && user.size() <= 10) {
    unsigned long v = std::stoul(user);
    if (v <= 0xfffffffeUL) return std::to_string(v);
  }
  struct passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) usage_error("--require-uid '" + user + "': no such user");
  return std::to_string(pw->pw_uid);
}

int run(int argc, char** argv) {
  CLI::App app{
      "Runs COMMAND so that its TCP listeners on the mapped addresses receive the connections sbd "
      "sends to\n"
      "PATH instead of listening on the network, and its TCP connects to --connect addresses "
      "reach\n"
      "the servers receiving at PATH without any network. Everything else the program does is "
      "left alone."};
  app.set_version_flag("--version", std::string("sb-preload ") + socketbox::kVersion);
  std::vector<std::string> maps, connects, listeners;
  int listener_wait = 30;
  std::string user, library;
  bool no_inherit = false, debug = false;
  app.add_option(
         "-m,--map", maps,
         "ADDR:PORT=PATH: a bind() to ADDR:PORT becomes a receiving socket at PATH. ADDR is [::], "
         "0.0.0.0, [IPv6] or IPv4, exactly as the server binds it. Repeatable.")
      ->type_name("ADDR:PORT=PATH")
      ->allow_extra_args(false);  // one value per --map: COMMAND is not swallowed
  app.add_option(
         "-l,--listener", listeners,
         "ADDR:PORT=PATH: like --map, but in listener mode: listen() then waits for the "
         "listening TCP socket sbd sends to PATH (a route with handoff = \"listener\") and "
         "installs it in place of the server's socket, which accepts natively from then on. "
         "Repeatable.")
      ->type_name("ADDR:PORT=PATH")
      ->allow_extra_args(false);
  app.add_option("--listener-wait", listener_wait,
                 "How long listen() waits for the listening socket of a --listener mapping; "
                 "then it fails with EADDRNOTAVAIL")
      ->type_name("SECONDS")
      ->check(CLI::Range(0, 86400))
      ->default_val(30);
  app.add_option("-c,--connect", connects,
                 "ADDR:PORT=PATH: a TCP connect() to ADDR:PORT is served by the receiver at PATH "
                 "(a server under sb-preload --map, sb-inetd, ...) over a Unix socketpair. Same "
                 "ADDR:PORT syntax as --map; several addresses may share a PATH. Repeatable.")
      ->type_name("ADDR:PORT=PATH")
      ->allow_extra_args(false);
  app.add_option("--require-uid", user,
                 "Accept sockets only from this sender (uid or user name, e.g. sbd's)")
      ->type_name("UID");
  app.add_flag("--no-inherit", no_inherit,
               "Remove the library from LD_PRELOAD once the server has bound a mapped address, so "
               "programs it "
               "runs later are not preloaded (breaks servers that re-exec themselves to rebind, "
               "e.g. sshd on SIGHUP)");
  app.add_flag(
      "--debug", debug,
      "Log each endpoint created or inherited and each --connect connect (SB_PRELOAD_DEBUG=1)");
  app.add_option("--library", library, "Path of libsbpreload.so (default: next to sb-preload)")
      ->type_name("PATH");
  app.prefix_command();
  app.footer(
      "Environment passed to COMMAND: LD_PRELOAD (library prepended), SB_PRELOAD_MAP,\n"
      "SB_PRELOAD_LISTENER, SB_PRELOAD_LISTENER_WAIT, SB_PRELOAD_CONNECT, SB_PRELOAD_UID, "
      "SB_PRELOAD_NO_INHERIT, SB_PRELOAD_DEBUG. See docs/sb-preload.md.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    usage_error(e.what());
  }
  std::vector<std::string> command = app.remaining();
  if (!command.empty() && command.front() == "--") command.erase(command.begin());
  if (maps.empty() && listeners.empty() && connects.empty())
    usage_error("give at least one --map, --listener or --connect (see --help)");
  if (command.empty()) usage_error("missing COMMAND to run (see --help)");

  PreloadSettings s;
  s.maps = validated_maps("--map", maps, true);
  s.listeners = validated_maps("--listener", listeners, true);
  if (!s.maps.empty() && !s.listeners.empty()) {
    // Both are receiving endpoints: no address or path in both, at most 32 in all.
    static MapSpec all[kMaxMaps];
    int count = 0;
    char err[300];
    if (!parse_map_list((s.maps + '\n' + s.listeners).c_str(), all, kMaxMaps, count, err,
                        sizeof err, true))
      usage_error(std::string("--map and --listener: ") + err);
  }
  if (!listeners.empty()) s.listener_wait = std::to_string(listener_wait);
  s.connects = validated_maps("--connect", connects, false);
  s.uid = numeric_uid(user);
  s.no_inherit = no_inherit;
  s.debug = debug;
  std::string error;
  s.library = locate_library(library, error);
  if (s.library.empty()) usage_error(error);
  if (!export_settings(s))
    usage_error(std::string("cannot set environment: ") + std::strerror(errno));

  std::vector<char*> args;
  args.reserve(command.size() + 1);
  for (std::string& a : command) args.push_back(a.data());
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  int err = errno;
  std::cerr << "sb-preload: cannot run '" << command.front() << "': " << std::strerror(err) << "\n";
  return err == ENOENT ? 127 : 126;
}

}  // namespace

int main(int argc, char** argv) {
  return socketbox::guarded_main("sb-preload", [&] { return run(argc, argv); });
}
