#include "options.hpp"

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "command_line.hpp"
#include "socketbox/version.hpp"

namespace socketbox::daemon {

namespace {

std::optional<EventLoop> parse_event_loop(const std::string& v) {
  if (v == "auto") return EventLoop::Auto;
  if (v == "io_uring") return EventLoop::IoUring;
  if (v == "epoll") return EventLoop::Epoll;
  return std::nullopt;
}

}  // namespace

ParseResult parse_options(const std::vector<std::string>& args) {
  Options o;
  CLI::App app{
      "sbd - the socketbox dispatch daemon.\n"
      "Accepts connections on one listening socket, looks each one's addresses up in a rule table\n"
      "and passes the connected socket itself to the server that owns it, over a Unix datagram\n"
      "socket (SCM_RIGHTS). See docs/sbd.md.",
      "sbd"};
  app.get_formatter()->column_width(34);
  app.set_version_flag("--version", std::string("sbd ") + kVersion);

  app.add_option("-f,--table", o.table, "Rule table file (the original socketbox's format)")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("-l,--listen-address", o.listen_address,
                 "Address to listen on; IPv4 is given mapped (::ffff:a.b.c.d) or as a dotted quad")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_option("-p,--port", o.port, "TCP port to listen on (the original's default 80)")
      ->type_name("PORT")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  app.add_flag(
      "-t,--transparent", o.transparent,
      "Set IPV6_TRANSPARENT, to receive connections steered by TPROXY (needs CAP_NET_ADMIN)");
  app.add_flag("-F,--freebind", o.freebind,
               "Set IPV6_FREEBIND, to bind an address not (yet) on this host");
  app.add_flag("-r,--reuseport", o.reuseport, "Set SO_REUSEPORT");
  app.add_flag("-R,--no-reuseaddr", o.no_reuseaddr, "Do not set SO_REUSEADDR (set by default)");
  app.add_option("-s,--listen-fd", o.listen_fd,
                 "Use the inherited listening socket FD instead of creating one")
      ->type_name("FD")
      ->check(CLI::Range(0, 1 << 30));
  add_run_as_options(app, o.user, o.group, o.groups);
  app.add_option("-x,--chroot", o.chroot_dir,
                 "After binding, chroot into DIR (jump-unix paths are then inside it)")
      ->type_name("DIR");
  app.add_option("-S,--send-all", o.send_all,
                 "Send every connection to this socket path; no table is read")
      ->type_name("PATH");
  app.add_option("-b,--backlog", o.backlog, "listen() backlog")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 30));
  app.add_flag(
      "-U,--substitute-paths", o.substitute_paths,
      "Expand #//0_ .. #//7_ (local address groups) and #//P_ (local port) in jump-unix paths");
  app.add_option("--control", o.control,
                 "Control socket path (Unix stream, mode 0660): status, counters, reload")
      ->type_name("PATH");
  app.add_flag("--check", o.check,
               "Load the table, report what it holds, and exit (0 ok, 2 broken)");
  app.add_option("--max-table-bytes", o.table_limits.max_bytes,
                 "Refuse a table file larger than N bytes (checked before reading it)")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, socketbox::table::kLargestMaxTableBytes));
  app.add_option("--max-table-entries", o.table_limits.max_entries,
                 "Refuse a table with more than N entries (rules, map entries, sets)")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, socketbox::table::kLargestMaxTableEntries));
  app.add_flag("--seccomp", o.seccomp,
               "Restrict sbd to the system calls it needs once it is serving");
  app.add_flag("--log-connections", o.log_connections,
               "Log one line per connection: client, destination, deciding table line, target, "
               "result (to the journal when stderr is the journal)");
  app.add_option_function<std::string>(
         "--log-clients", [&o](const std::string& v) { o.log_clients = *parse_client_logging(v); },
         "How much of the client address the connection log shows: full, prefix (/64, /24) "
         "or none")
      ->type_name("full|prefix|none")
      ->default_str("full")
      ->check(
          [](const std::string& v) {
            return parse_client_logging(v) ? std::string()
                                           : "must be full, prefix or none, not '" + v + "'";
          },
          "full|prefix|none");
  app.add_option("--log-connections-rate", o.log_connections_rate,
                 "At most N connection log lines a second; the rest are counted and summed up")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1000000}));

  app.add_option_function<std::string>(
         "--event-loop", [&o](const std::string& v) { o.event_loop = *parse_event_loop(v); },
         "How connections are accepted and handed off: io_uring (two system calls a "
         "connection), epoll, or auto (io_uring when the kernel allows it)")
      ->type_name("auto|io_uring|epoll")
      ->default_str("auto")
      ->check(
          [](const std::string& v) {
            return parse_event_loop(v) ? std::string()
                                       : "must be auto, io_uring or epoll, not '" + v + "'";
          },
          "auto|io_uring|epoll");

  ParseResult r;
  if (auto exit = run_command_line(app, "sbd", args, [] {})) {
    r.exit_code = exit->exit_code;
    r.message = std::move(exit->message);
    return r;
  }
  r.options = std::move(o);
  return r;
}

}  // namespace socketbox::daemon
