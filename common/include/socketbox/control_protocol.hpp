// The control protocol of sbd and sb-relay, the one definition both sides
// use: the daemons serialise these messages, sbctl (and the tests) parse them.
// One command line in, one line of JSON out:
//
//   sbd     status | counters        -> StatusAnswer (the kStatusTop busiest targets)
//   sbd     status target PATH|fd:N  -> TargetAnswer | ErrorAnswer (no_such_target)
//   sbd     status targets OFF COUNT -> StatusPageAnswer (path order, COUNT <= kStatusPage)
//   sbd     listener  (+ one fd)     -> ListenerAnswer | ErrorAnswer (bad_arguments): the
//                                       line comes with ONE descriptor in SCM_RIGHTS, a
//                                       listening TCP socket (AF_INET6) that sbd holds by
//                                       its port; a descriptor sent with any other command,
//                                       or more than one, is closed (bad_arguments)
//   both    reload                   -> ReloadAnswer
//   sb-relay status | counters       -> RelayStatusAnswer
//   any command a daemon cannot take -> ErrorAnswer (unknown_command, bad_arguments,
//                                       command_too_long)
//
// The wire keeps field order as written below. A failed reload and an
// ErrorAnswer both say "ok":false (so that `"ok":false` greps keep working);
// an ErrorAnswer adds "kind", which is how a reader tells them apart.
//
// Parsing is strict: a field that is missing or of the wrong type is a
// ProtocolError that names it ("sbd's answer lacks field 'connections.accepted'"),
// never a silent 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace socketbox::control {

// `status` lists at most this many targets (the busiest); the rest are paged.
constexpr std::size_t kStatusTop = 100;
// `status targets OFFSET COUNT` answers at most this many per page.
constexpr std::size_t kStatusPage = 1000;

// How hand-offs to a target failed, by cause.
struct FailedCounts {
  std::uint64_t missing = 0, refused = 0, full = 0, other = 0;
  bool operator==(const FailedCounts&) const = default;
};

// One target sbd keeps counters for: a socket path, or an inherited fd.
struct TargetStatus {
  std::string path;                 // when !fd
  std::optional<std::uint32_t> fd;  // jump-fd:N
  std::uint64_t sent = 0;
  FailedCounts failed;
  // jump-unix-any: failed hand-offs (in `failed` too) after which sbd tried
  // the next target of the list.
  std::uint64_t failovers = 0;
  bool in_table = true;
  // "PATH" or "fd:N", as `status target` takes it.
  std::string name() const;
  std::uint64_t failed_total() const noexcept {
    return failed.missing + failed.refused + failed.full + failed.other;
  }
  bool operator==(const TargetStatus&) const = default;
};

struct ConnectionCounts {
  std::uint64_t accepted = 0, dispatched = 0, no_match = 0, failed = 0, accept_backoffs = 0;
  bool operator==(const ConnectionCounts&) const = default;
};

// Targets that left the table, folded into one total.
struct RetiredCounts {
  std::uint64_t targets = 0;
  std::uint64_t sent = 0;
  FailedCounts failed;
  bool operator==(const RetiredCounts&) const = default;
};

// A listening socket sbd holds or a table's `listener:LPORT jump-unix:PATH`
// line names (listener hand-off mode).
struct ListenerStatus {
  std::uint16_t port = 0;
  std::string path;             // "" when held but no table line names the port
  bool held = false;            // sbd holds a listening socket for the port
  std::uint64_t delivered = 0;  // times sent to path
  std::string last_error;       // of the last delivery; "" if it worked (or none was tried)
  bool operator==(const ListenerStatus&) const = default;
};

// sbd's `status`.
struct StatusAnswer {
  std::string listen;            // "[::ffff:127.0.0.1]:1"
  std::string table;             // path, or "--send-all PATH"
  std::uint64_t generation = 0;  // sbd's own table loads since it started
  std::uint64_t uptime_s = 0;
  std::int64_t pid = 0;
  bool reloading = false;
  std::string event_loop;  // "io_uring" or "epoll"; empty from an sbd before it was reported
  ConnectionCounts connections;
  RetiredCounts retired;
  std::uint64_t targets_total = 0;    // how many targets sbd has counters for
  bool truncated = false;             // targets lists fewer than targets_total
  std::vector<TargetStatus> targets;  // the busiest, in path order (paths, then fds)
  // The table's listener lines in its order, then held sockets no line names.
  std::vector<ListenerStatus> listeners;
  bool operator==(const StatusAnswer&) const = default;
};

// sbd's `status targets OFFSET COUNT`.
struct StatusPageAnswer {
  std::uint64_t targets_total = 0;
  std::uint64_t offset = 0;
  bool truncated = false;  // more follow after this page
  std::vector<TargetStatus> targets;
  bool operator==(const StatusPageAnswer&) const = default;
};

// sbd's `status target PATH|fd:N`.
struct TargetAnswer {
  TargetStatus target;
  bool operator==(const TargetAnswer&) const = default;
};

// `reload`, of either daemon: {"ok":true,"generation":N} or {"ok":false,"error":"..."}.
struct ReloadAnswer {
  bool ok = false;
  std::uint64_t generation = 0;  // on the wire only when ok
  std::string error;             // "file:line:col: error: ..." when !ok
  bool operator==(const ReloadAnswer&) const = default;
};

// sbd's `listener`: {"ok":true,"port":N}, the port of the socket it now holds.
struct ListenerAnswer {
  std::uint16_t port = 0;
  bool operator==(const ListenerAnswer&) const = default;
};

// A command the daemon did not take.
enum class ErrorKind {
  UnknownCommand,  // "unknown_command"
  BadArguments,    // "bad_arguments": a known command with wrong arguments
  CommandTooLong,  // "command_too_long": longer than the control server reads
  NoSuchTarget,    // "no_such_target": `status target` of a target sbd has no counters for
};
struct ErrorAnswer {
  ErrorKind kind = ErrorKind::UnknownCommand;
  std::string error;  // one line for the operator
  bool operator==(const ErrorAnswer&) const = default;
};
std::string_view to_word(ErrorKind k) noexcept;

// sb-relay's `status`: one entry per relay.
struct RelayEntryStatus {
  std::string path, target, proxy;
  std::uint64_t accepted = 0, connected = 0, failed_connect = 0, refused_over_limit = 0,
                idle_timeouts = 0, errors = 0, active = 0, bytes_to_target = 0, bytes_to_client = 0;
  bool operator==(const RelayEntryStatus&) const = default;
};
struct RelayStatusAnswer {
  std::int64_t pid = 0;
  std::uint64_t uptime_s = 0, generation = 0, reloads_failed = 0, active = 0, max_connections = 0;
  std::vector<RelayEntryStatus> relays;
  bool operator==(const RelayStatusAnswer&) const = default;
};

// The answer line (without its newline). Strings are UTF-8; an invalid byte
// is replaced by U+FFFD.
std::string to_line(const StatusAnswer& a);
std::string to_line(const StatusPageAnswer& a);
std::string to_line(const TargetAnswer& a);
std::string to_line(const ReloadAnswer& a);
std::string to_line(const ListenerAnswer& a);
std::string to_line(const ErrorAnswer& a);
std::string to_line(const RelayStatusAnswer& a);

// Lines a daemon sends where building one could fail (no memory) or must not
// allocate; unit tests check they are what to_line gives.
constexpr std::string_view kOutOfMemoryReloadLine = R"({"ok":false,"error":"out of memory"})";
constexpr std::string_view kCommandTooLongLine =
    R"({"ok":false,"error":"command longer than 255 bytes","kind":"command_too_long"})";

// An answer that is not JSON, or lacks a field, or has one of the wrong type.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// An ErrorAnswer where another answer was expected: the daemon refused the
// command. what() is the daemon's error line.
class RefusedError : public std::runtime_error {
 public:
  explicit RefusedError(ErrorAnswer a) : std::runtime_error(a.error), answer_(std::move(a)) {}
  const ErrorAnswer& answer() const noexcept { return answer_; }

 private:
  ErrorAnswer answer_;
};

// Parses one answer line. `who` names the daemon in errors ("sbd's answer
// lacks field 'pid'"). Throws ProtocolError; an ErrorAnswer where T was
// expected throws RefusedError (except when T is ErrorAnswer).
template <class T>
T parse_answer(std::string_view line, std::string_view who = "sbd");

// The ErrorAnswer in `line`, if that is what it is (nullopt for any other
// answer, and for a line that is not JSON).
std::optional<ErrorAnswer> error_in(std::string_view line);

}  // namespace socketbox::control
