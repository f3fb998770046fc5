#include "options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "command_line.hpp"
#include "exit_codes.hpp"
#include "socketbox/version.hpp"

namespace socketbox::relay {

using daemon::kExitOk;
using daemon::kExitUsage;

ParseResult parse_options(const std::vector<std::string>& args) {
  Options o;
  CLI::App app{
      "sb-relay - relays connections received from sbd to servers that cannot receive sockets.\n"
      "Binds a socketbox receiving socket at PATH and connects every connection sbd sends there\n"
      "onward to TARGET (tcp:HOST:PORT or unix:PATH), optionally prefixed with a PROXY protocol\n"
      "header carrying the client's address. See docs/relay.md.",
      "sb-relay"};
  app.get_formatter()->column_width(34);
  app.set_version_flag("--version", std::string("sb-relay ") + kVersion);

  std::string path, target, proxy = "none", netns;
  std::vector<std::string> relay_opts;
  std::uint32_t sender_uid = 0;
  app.add_option("PATH", path, "Receiving socket to bind (with TARGET)");
  app.add_option("TARGET", target,
                 "tcp:HOST:PORT ('tcp:[::1]:8080', 'tcp:127.0.0.1:80') or unix:PATH");
  app.add_option("--proxy-protocol", proxy, "PROXY header for PATH TARGET: v1, v2 or none")
      ->type_name("V")
      ->capture_default_str();
  app.add_option("--netns-name", netns,
                 "For PATH TARGET: name sent in a PP2_TYPE_NETNS TLV (with v2)")
      ->type_name("NAME");
  app.add_option("--relay", relay_opts,
                 "Another relay: PATH=TARGET[,proxy=v1|v2][,netns=NAME] (repeatable)")
      ->type_name("SPEC");
  app.add_option("--config", o.config, "TOML file of [[relay]] tables; reloaded on SIGHUP")
      ->type_name("FILE");
  app.add_option("--control", o.control,
                 "Control socket path (Unix stream, mode 0660): status, reload")
      ->type_name("PATH");
  app.add_option("--max-connections", o.limits.max_connections,
                 "Concurrent relayed connections at most; more are closed at once and counted")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--connect-timeout", o.limits.connect_timeout_ms,
                 "Milliseconds to wait for the target to accept")
      ->type_name("MS")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600 * 1000));
  app.add_option("--idle-timeout", o.limits.idle_timeout_s,
                 "Close a connection that moved no byte for this many seconds (0: never)")
      ->type_name("S")
      ->capture_default_str();
  app.add_option("--fail-log-interval", o.limits.fail_log_interval_s,
                 "Log failed connects to a target at most once per this many seconds")
      ->type_name("S")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  auto* uid_opt = app.add_option("--sender-uid", sender_uid,
                                 "Accept sockets only from this uid (sbd's); default: anyone "
                                 "who may write to PATH")
                      ->type_name("UID");
  daemon::add_run_as_options(app, o.user, o.group, o.groups);
  app.add_flag("--seccomp", o.seccomp,
               "Restrict sb-relay to the system calls it needs once it is serving");
  app.add_flag("--check", o.check,
               "Check the relays and the config file, and exit (0 ok, 2 broken)");

  ParseResult r;
  try {
    if (auto exit = daemon::run_command_line(app, "sb-relay", args, [&] {
          if (path.empty() != target.empty()) throw CLI::ValidationError("PATH needs a TARGET");
          if (!path.empty()) {
            RelaySpec s;
            s.path = path;
            std::string err;
            if (!parse_target(target, s.target, err)) throw CLI::ValidationError(err);
            if (!parse_proxy_version(proxy, s.proxy))
              throw CLI::ValidationError("--proxy-protocol must be v1, v2 or none");
            if (netns.size() > kMaxNetnsName)
              throw CLI::ValidationError("--netns-name is too long");
            s.netns = netns;
            o.relays.push_back(std::move(s));
          } else if (proxy != "none" || !netns.empty()) {
            throw CLI::ValidationError("--proxy-protocol and --netns-name go with PATH TARGET");
          }
          for (const auto& spec : relay_opts) o.relays.push_back(parse_relay_option(spec));
          if (o.relays.empty() && o.config.empty())
            throw CLI::ValidationError("nothing to relay: give PATH TARGET, --relay or --config");
          if (*uid_opt) o.sender_uid = sender_uid;
        })) {
      r.exit_code = exit->exit_code;
      r.message = std::move(exit->message);
      return r;
    }
  } catch (const ConfigError& e) {
    r.exit_code = kExitUsage;
    r.message = std::string("sb-relay: ") + e.what();
    return r;
  }
  r.options = std::move(o);
  return r;
}

}  // namespace socketbox::relay
