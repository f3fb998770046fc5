// The connection log (--log-connections, off by default): one line per
// connection sbd decided about: client, destination, the table line that
// decided (ROUTE), the target and the result. Native journal entries with
// SB_* fields when stderr is the journal, else key=value lines on stderr.
// Rate-limited like the error log (RateLimiter, one summary line per
// window). On the per-connection path: formats on the stack, allocates
// nothing and never blocks (a full socket drops the line and counts it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "clock.hpp"
#include "rate_limiter.hpp"
#include "socketbox/systemd.hpp"
#include "socketbox/table/table.hpp"

namespace socketbox::daemon {

// --log-clients: how much of the client's address is logged.
enum class ClientLogging { Full, Prefix, None };
std::optional<ClientLogging> parse_client_logging(std::string_view s) noexcept;

inline constexpr std::uint32_t kConnectionLogDefaultRate = 100;

// Lines the log did not write, for the metrics.
struct ConnectionLogCounters {
  std::uint64_t dropped = 0;     // the log socket or pipe was full (or failed)
  std::uint64_t suppressed = 0;  // over the rate limit
};

// The pieces of a line, each NUL-terminated in `out` (truncated to fit);
// they return the length written. Never allocate.
// "[2001:db8::2]:40000" or "192.0.2.1:40000" (IPv4-mapped shown as IPv4).
std::size_t format_log_endpoint(const socketbox::table::Addr& a, std::uint16_t port, char* out,
                                std::size_t cap) noexcept;
// The client per --log-clients: as format_log_endpoint, its /64 or /24 prefix
// without the port ("2001:db8:1:2::/64", "192.0.2.0/24"), or "-".
std::size_t format_log_client(const socketbox::table::Addr& a, std::uint16_t port,
                              ClientLogging mode, char* out, std::size_t cap) noexcept;
// "rule-set:0 line 12", "map-set:3 line 40", "rule-set:0 default line 9";
// without " line N" for a built-in decision (--send-all).
std::size_t format_log_route(const socketbox::table::TraceStep& decided, char* out,
                             std::size_t cap) noexcept;

class ConnectionLog {
 public:
  struct Config {
    ClientLogging clients = ClientLogging::Full;
    std::uint32_t per_second = kConnectionLogDefaultRate;
    int plain_fd = 2;                // where plain lines go (stderr)
    const char* journal = nullptr;   // journal socket path: use it instead
    const char* identifier = "sbd";  // SYSLOG_IDENTIFIER / line prefix
  };
  // Opens the journal socket if one is configured; if that fails, logs to
  // plain_fd instead (journal_failed() says so, errno why).
  ConnectionLog(const Config& c, ConnectionLogCounters& counters) noexcept;

  bool uses_journal() const noexcept { return journal_.is_open(); }
  bool journal_failed() const noexcept { return journal_failed_; }

  // One connection's outcome: `decided` is the deciding step (its action
  // Fail: no match), `target` the path it went to (unused for jump-fd,
  // named fd:N; nullptr for fail), `err` the hand-off's errno (0: sent).
  void record(const socketbox::table::Tuple& t, const socketbox::table::TraceStep& decided,
              const char* target, int err, std::uint64_t now_ms = monotonic_ms()) noexcept;
  // Reports lines the limiter is still holding back (at exit).
  void flush_suppressed() noexcept;

  // Records the outcome when it goes out of scope, with what `target` and
  // `err` then hold: the dispatcher declares it once, after the lookup, and
  // every way out of the dispatch is logged without a call at each one.
  class AtExit {
   public:
    AtExit(ConnectionLog* log, const socketbox::table::Tuple& t,
           const socketbox::table::TraceStep& decided, const char* const& target,
           const int& err) noexcept
        : log_(log), t_(t), decided_(decided), target_(target), err_(err) {}
    AtExit(const AtExit&) = delete;
    AtExit& operator=(const AtExit&) = delete;
    ~AtExit() {
      if (log_) log_->record(t_, decided_, target_, err_);
    }

   private:
    ConnectionLog* log_;
    const socketbox::table::Tuple& t_;
    const socketbox::table::TraceStep& decided_;
    const char* const& target_;
    const int& err_;
  };

 private:
  void summary(std::uint64_t n) noexcept;
  void emit(int priority, std::string_view message, const char* const* fields,
            const std::string_view* values, int nfields) noexcept;

  Config cfg_;
  ConnectionLogCounters& counters_;
  RateLimiter limiter_;
  socketbox::systemd::JournalSocket journal_;
  bool journal_failed_ = false;
  bool plain_is_socket_ = false;  // then sent with MSG_DONTWAIT
};

}  // namespace socketbox::daemon
