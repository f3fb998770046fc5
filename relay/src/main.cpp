// sb-relay: relays connections sbd sends to a receiving socket onward to a
// TCP or Unix target, for servers that cannot receive sockets themselves.
#include <sys/socket.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "options.hpp"
#include "privileges.hpp"
#include "relay_server.hpp"
#include "seccomp_filter.hpp"
#include "setup_error.hpp"

using namespace socketbox;
using namespace socketbox::relay;

namespace {

int check(const Options& o) {
  try {
    std::vector<RelaySpec> specs = o.relays;
    if (!o.config.empty()) {
      auto more = load_config_file(o.config);
      specs.insert(specs.end(), more.begin(), more.end());
    }
    check_relays(specs);
    std::printf("ok: %zu relays\n", specs.size());
    return daemon::kExitOk;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sb-relay: %s\n", e.what());
    return daemon::kExitUsage;
  }
}

// What sb-relay calls once serving, beyond sbd's list: splice through
// pipes, fresh TCP/Unix sockets to the targets, hand-offs received in
// batches, and binding receiving sockets on a reload.
daemon::SeccompExtras seccomp_extras() {
  return {{"splice", "pipe2", "pipe", "recvmmsg", "bind", "listen", "chmod", "fchmodat", "lstat",
           "unlinkat", "chown", "fchownat", "epoll_create1"},
          {AF_INET, AF_INET6}};
}

int serve(const Options& o) {
  const daemon::Credentials creds = daemon::resolve_credentials(o.user, o.group, o.groups);
  RelayServer server(o);
  daemon::drop_privileges(creds, "");
  if (o.seccomp) daemon::install_seccomp_filter(seccomp_extras());
  const std::string summary = server.summary();
  daemon::log_line("%s", summary.c_str());
  daemon::notify_ready(summary);
  return server.run();
}

}  // namespace

int main(int argc, char** argv) {
  daemon::set_log_program("sb-relay");
  const std::vector<std::string> args(argv, argv + argc);
  const ParseResult p = parse_options(args);
  if (!p.options) {
    std::fputs(p.message.c_str(), p.exit_code == daemon::kExitOk ? stdout : stderr);
    if (!p.message.empty() && p.message.back() != '\n')
      std::fputc('\n', p.exit_code == daemon::kExitOk ? stdout : stderr);
    return p.exit_code;
  }
  if (p.options->check) return check(*p.options);
  try {
    return serve(*p.options);
  } catch (const daemon::SetupError& e) {
    daemon::log_line("%s", e.what());
    return e.exit_code();
  } catch (const ConfigError& e) {
    daemon::log_line("%s", e.what());
    return daemon::kExitUsage;
  } catch (const std::exception& e) {
    daemon::log_line("%s", e.what());
    return daemon::kExitFailure;
  }
}
