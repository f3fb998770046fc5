// sbd's command line. The short letters are the original socketbox's getopt
// letters, so existing service files keep working; every one has a long form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connection_log.hpp"
#include "exit_codes.hpp"
#include "socketbox/table/limits.hpp"

namespace socketbox::daemon {

// How the per-connection path waits and calls the kernel (--event-loop).
enum class EventLoop {
  Auto,     // io_uring when built with it and the kernel gives it, else epoll
  IoUring,  // io_uring or refuse to start
  Epoll,
};

struct Options {
  std::string table = "/etc/socketbox.conf";
  std::string listen_address = "::ffff:127.0.0.1";
  std::uint16_t port = 80;  // the original's default
  bool transparent = false;
  bool freebind = false;
  bool reuseport = false;
  bool no_reuseaddr = false;
  int listen_fd = -1;  // -s: inherit this listening socket
  std::string user, group;
  std::vector<std::string> groups;
  std::string chroot_dir;
  std::string send_all;  // -S: everything to this path, no table
  int backlog = 4096;
  bool substitute_paths = false;
  std::string control;  // control socket path, empty = none
  bool check = false;   // load the table, report, exit
  bool seccomp = false;
  bool log_connections = false;  // the connection log (connection_log.hpp)
  ClientLogging log_clients = ClientLogging::Full;
  std::uint32_t log_connections_rate = kConnectionLogDefaultRate;
  socketbox::table::LoadLimits table_limits;
  EventLoop event_loop = EventLoop::Auto;  // --max-table-bytes, --max-table-entries
};

// What parsing decided: run with `options`, or exit with `exit_code` after
// printing `message` (help text to stdout when exit_code is 0, otherwise one
// error line to stderr).
struct ParseResult {
  std::optional<Options> options;
  int exit_code = 0;
  std::string message;
};

ParseResult parse_options(const std::vector<std::string>& args);  // args[0] is the program name

}  // namespace socketbox::daemon
