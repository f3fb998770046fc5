// sbd: the socketbox dispatch daemon. Parses the command line, loads the
// table, binds, drops privileges and runs the event loop.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "active_table.hpp"
#include "daemon.hpp"
#include "listener.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "options.hpp"
#include "privileges.hpp"
#include "seccomp_filter.hpp"
#include "setup_error.hpp"
#include "socketbox/table/parser.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

int check_table(const Options& o) {
  try {
    const auto t =
        o.send_all.empty() ? load_table(o.table, o.table_limits) : send_all_table(o.send_all);
    for (const auto& w : table_warnings(*t))
      std::fprintf(stderr, "sbd: %s: warning: %s\n", t->source.c_str(), w.c_str());
    std::printf("%s: ok: %zu rule sets, %zu map sets, %zu targets\n",
                o.send_all.empty() ? o.table.c_str() : "--send-all", t->rule_sets.size(),
                t->map_sets.size(), t->targets.size());
    return kExitOk;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sbd: %s\n", e.what());
    return kExitUsage;
  }
}

int serve(const Options& o) {
  std::shared_ptr<const tbl::Table> table;
  try {
    table = o.send_all.empty() ? load_table(o.table, o.table_limits) : send_all_table(o.send_all);
  } catch (const tbl::ParseError& e) {
    log_line("%s", e.what());
    return kExitUsage;
  }
  const Credentials creds = resolve_credentials(o.user, o.group, o.groups);
  Daemon d(o, open_listener(o), std::move(table));
  // After a chroot the path would name a different file.
  if (d.control() && !o.chroot_dir.empty()) d.control()->keep_socket_file();
  drop_privileges(creds, o.chroot_dir);
  // The worker inherits the dropped privileges and installs its own filter.
  d.start_reloader(o.seccomp ? +[] { install_seccomp_filter(); } : nullptr);
  if (o.seccomp) install_seccomp_filter();
  const std::string summary = d.summary();
  log_line("%s", summary.c_str());
  notify_ready(summary);
  return d.run();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  const ParseResult p = parse_options(args);
  if (!p.options) {
    std::fputs(p.message.c_str(), p.exit_code == kExitOk ? stdout : stderr);
    if (!p.message.empty() && p.message.back() != '\n')
      std::fputc('\n', p.exit_code == kExitOk ? stdout : stderr);
    return p.exit_code;
  }
  const Options& o = *p.options;
  if (o.check) return check_table(o);
  try {
    return serve(o);
  } catch (const SetupError& e) {
    log_line("%s", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    log_line("%s", e.what());
    return kExitFailure;
  }
}
