#include "metrics.hpp"

#include "socketbox/metrics_text.hpp"

namespace socketbox::daemon {

namespace {

constexpr const char* kReasons[] = {"missing", "refused", "full", "other"};

std::uint64_t by_reason(const TargetCounters& c, int i) {
  switch (i) {
    case 0:
      return c.missing;
    case 1:
      return c.refused;
    case 2:
      return c.full;
    default:
      return c.other;
  }
}

// Calls f(label, counters) for each exported target: paths, then fd:N.
template <typename F>
void each_target(const CounterRegistry& r, F f) {
  std::size_t n = 0;
  for (const auto& [path, c] : r.paths()) {
    if (n++ == kMetricsTargets) return;
    f(std::string_view(path), c);
  }
  for (const auto& [fd, c] : r.fds()) {
    if (n++ == kMetricsTargets) return;
    f(std::string_view("fd:" + std::to_string(fd)), c);
  }
}

}  // namespace

std::string format_metrics(const StatusInfo& s) {
  MetricsText m;
  const ConnectionCounters none{};
  const ConnectionCounters& c = s.counters ? s.counters->connections : none;
  m.family("socketbox_sbd_connections_accepted_total", "counter",
           "Connections sbd accepted on its listening socket.")
      .sample("socketbox_sbd_connections_accepted_total", c.accepted);
  m.family("socketbox_sbd_connections_dispatched_total", "counter",
           "Connections handed off to a receiver.")
      .sample("socketbox_sbd_connections_dispatched_total", c.dispatched);
  m.family("socketbox_sbd_connections_no_match_total", "counter",
           "Connections reset because the table says fail or no rule matched.")
      .sample("socketbox_sbd_connections_no_match_total", c.no_match);
  m.family("socketbox_sbd_connections_failed_total", "counter",
           "Connections reset because their hand-off failed.")
      .sample("socketbox_sbd_connections_failed_total", c.failed);
  m.family("socketbox_sbd_accept_backoffs_total", "counter",
           "Times sbd paused accepting (out of descriptors or memory).")
      .sample("socketbox_sbd_accept_backoffs_total", c.accept_backoffs);
  const ConnectionLogCounters cl =
      s.counters ? s.counters->connection_log : ConnectionLogCounters{};
  m.family("socketbox_sbd_connection_log_dropped_total", "counter",
           "Connection log lines not written, by reason (full: the log socket was full or "
           "failed, rate: over --log-connections-rate).")
      .sample("socketbox_sbd_connection_log_dropped_total", "reason", "full", cl.dropped)
      .sample("socketbox_sbd_connection_log_dropped_total", "reason", "rate", cl.suppressed);
  const ReloadCounters rl = s.counters ? s.counters->reloads : ReloadCounters{};
  m.family("socketbox_sbd_reloads_total", "counter", "Table reloads, by result (ok, failed).")
      .sample("socketbox_sbd_reloads_total", "result", "ok", rl.ok)
      .sample("socketbox_sbd_reloads_total", "result", "failed", rl.failed);
  m.family("socketbox_sbd_table_generation", "gauge",
           "sbd's own count of table loads since it started (1: the first).")
      .sample("socketbox_sbd_table_generation", s.generation);
  m.family("socketbox_sbd_reloading", "gauge", "1 while a reload is being read and built.")
      .sample("socketbox_sbd_reloading", std::uint64_t{s.reloading ? 1u : 0u});
  m.family("socketbox_sbd_event_loop_info", "gauge",
           "1, labelled with how sbd accepts and hands off (loop: io_uring or epoll).")
      .sample("socketbox_sbd_event_loop_info", "loop", s.event_loop, std::uint64_t{1});
  m.family("socketbox_sbd_start_time_seconds", "gauge",
           "When sbd started, in seconds since the Unix epoch.")
      .sample("socketbox_sbd_start_time_seconds", s.started_unix_s);
  const std::uint64_t total = s.counters ? s.counters->size() : 0;
  m.family("socketbox_sbd_targets", "gauge", "Hand-off targets sbd keeps counters for.")
      .sample("socketbox_sbd_targets", total);
  m.family("socketbox_sbd_target_sent_total", "counter",
           "Connections handed off to the target (label target: its path or fd:N).");
  if (s.counters)
    each_target(*s.counters, [&](std::string_view t, const TargetCounters& tc) {
      m.sample("socketbox_sbd_target_sent_total", "target", t, tc.sent);
    });
  m.family("socketbox_sbd_target_failed_total", "counter",
           "Hand-offs to the target that failed, by reason (missing, refused, full, other).");
  if (s.counters)
    each_target(*s.counters, [&](std::string_view t, const TargetCounters& tc) {
      for (int i = 0; i < 4; ++i)
        m.sample("socketbox_sbd_target_failed_total", "target", t, by_reason(tc, i), "reason",
                 kReasons[i]);
    });
  m.family("socketbox_sbd_target_failovers_total", "counter",
           "Failed hand-offs to the target after which sbd tried the next target of its "
           "jump-unix-any list.");
  if (s.counters)
    each_target(*s.counters, [&](std::string_view t, const TargetCounters& tc) {
      m.sample("socketbox_sbd_target_failovers_total", "target", t, tc.failovers);
    });
  const TargetCounters retired = s.counters ? s.counters->retired() : TargetCounters{};
  m.family("socketbox_sbd_retired_targets_total", "counter",
           "Targets dropped from the table by reloads; their counts move to retired.")
      .sample("socketbox_sbd_retired_targets_total",
              s.counters ? s.counters->retired_targets() : std::uint64_t{0});
  m.family("socketbox_sbd_retired_sent_total", "counter",
           "Connections handed off to targets no longer in the table.")
      .sample("socketbox_sbd_retired_sent_total", retired.sent);
  m.family("socketbox_sbd_retired_failed_total", "counter",
           "Failed hand-offs to targets no longer in the table, by reason.");
  for (int i = 0; i < 4; ++i)
    m.sample("socketbox_sbd_retired_failed_total", "reason", kReasons[i], by_reason(retired, i));
  // Listener routes: the socket sbd holds for each and how often it went out.
  m.family("socketbox_sbd_listener_held", "gauge",
           "1 while sbd holds the listening socket of a listener route (label port).");
  for (const auto& l : s.listeners)
    m.sample("socketbox_sbd_listener_held", "port", std::to_string(l.port),
             std::uint64_t{l.held ? 1u : 0u}, "server", l.path);
  m.family("socketbox_sbd_listener_delivered_total", "counter",
           "Times sbd sent a listener route's socket to its server.");
  for (const auto& l : s.listeners)
    m.sample("socketbox_sbd_listener_delivered_total", "port", std::to_string(l.port), l.delivered,
             "server", l.path);
  m.family("socketbox_sbd_listener_failing", "gauge",
           "1 while the last try to send a listener route's socket failed.");
  for (const auto& l : s.listeners)
    m.sample("socketbox_sbd_listener_failing", "port", std::to_string(l.port),
             std::uint64_t{l.last_error.empty() ? 0u : 1u}, "server", l.path);
  std::string out = m.finish();
  out.pop_back();  // the control server ends the answer with its newline
  return out;
}

}  // namespace socketbox::daemon
