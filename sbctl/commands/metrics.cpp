// sbctl metrics [PROFILE] [--state-dir DIR] [--netns NS] [--control PATH]
//               [--listen ADDR:PORT]:
// sbd's counters (its `metrics` control answer) and what sbctl knows (the
// generation in force, drift, the last generation's state, what watch
// restored) as Prometheus text, printed once or served over HTTP at
// /metrics, gathered afresh for each scrape. sbd unreachable is not an
// error: the text says socketbox_sbd_up 0 (a warning goes to stderr), so
// that a textfile written from it is replaced, not left stale. Exit 2 only
// when nothing could be printed (a bad profile, a bad --listen).
#include <httplib.h>
#include <sys/socket.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "control/control_client.hpp"
#include "output/style.hpp"
#include "socketbox/metrics_text.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/systemd.hpp"
#include "socketbox/table/table_file.hpp"
#include "state/generation_store.hpp"
#include "state/snapshot.hpp"
#include "watch/watch_record.hpp"

namespace socketbox::sbctl {
namespace {

constexpr GenState kStates[] = {GenState::Incomplete, GenState::Interrupted, GenState::Pending,
                                GenState::Applied, GenState::RolledBack};

std::uint64_t u(bool b) { return b ? 1 : 0; }

// Serving, each warning is logged once (not at every scrape); printing, always.
bool g_serving = false;
std::set<std::string> g_warned;
std::mutex g_warned_mutex;
void warn(const std::string& message) {
  if (g_serving) {
    const std::lock_guard<std::mutex> lock(g_warned_mutex);
    if (!g_warned.insert(message).second) return;
  }
  print_warning(message);
}

// Where sbd's control socket is and which netns to read: --control and
// --netns, else the profile's, else the generation in force's.
struct Where {
  std::string control, netns;
};

// What sbctl itself knows, from the state dir and the kernel.
void sbctl_metrics(MetricsText& m, const MetricsOptions& o, const Where& w) {
  GenerationStore store(absolute_path(o.state_dir));
  std::optional<GenerationMeta> cur, last;
  std::map<GenState, std::uint64_t> by_state;
  std::uint64_t unconfirmed = 0, probe_failed = 0;
  std::optional<WatchRecord> watch;
  bool state_ok = true;
  try {
    if (const auto id = store.current()) cur = store.read_meta(*id);
    for (const unsigned id : store.list()) {
      const GenerationMeta g = store.read_meta(id);
      ++by_state[g.state];
      if (g.reason == RollbackReason::NotConfirmed) ++unconfirmed;
      if (g.reason == RollbackReason::ProbeFailed) ++probe_failed;
      last = g;
    }
    watch = read_watch_record(store.dir());
  } catch (const std::exception& e) {
    warn(std::string("cannot read the state dir: ") + e.what());
    state_ok = false;
  }
  m.family("socketbox_sbctl_state_readable", "gauge",
           "1 if sbctl could read its state dir (generations) for these metrics.")
      .sample("socketbox_sbctl_state_readable", u(state_ok));
  m.family("socketbox_sbctl_generation", "gauge",
           "The sbctl generation in force (0: none applied).")
      .sample("socketbox_sbctl_generation", std::uint64_t{cur ? cur->id : 0u});
  m.family("socketbox_sbctl_generation_applied_time_seconds", "gauge",
           "When the generation in force was made, in seconds since the Unix epoch.")
      .sample("socketbox_sbctl_generation_applied_time_seconds",
              static_cast<std::int64_t>(cur ? cur->created : 0));
  m.family("socketbox_sbctl_confirm_pending", "gauge",
           "1 while the generation in force awaits 'sbctl confirm'.")
      .sample("socketbox_sbctl_confirm_pending", u(cur && cur->state == GenState::Pending));
  m.family("socketbox_sbctl_confirm_deadline_seconds", "gauge",
           "When a pending generation is rolled back unless confirmed (0: none pending).")
      .sample(
          "socketbox_sbctl_confirm_deadline_seconds",
          static_cast<std::int64_t>(cur && cur->state == GenState::Pending ? cur->deadline : 0));
  m.family("socketbox_sbctl_last_generation", "gauge",
           "The newest generation recorded (the last apply, down or rollback target).")
      .sample("socketbox_sbctl_last_generation", std::uint64_t{last ? last->id : 0u});
  m.family("socketbox_sbctl_last_generation_state", "gauge",
           "1 for the state of the newest generation: how the last apply ended.");
  for (const GenState s : kStates)
    m.sample("socketbox_sbctl_last_generation_state", "state", to_word(s),
             u(last && last->state == s));
  m.family("socketbox_sbctl_generations", "gauge", "Generations kept in the state dir, by state.");
  for (const GenState s : kStates)
    m.sample("socketbox_sbctl_generations", "state", to_word(s), by_state[s]);
  m.family("socketbox_sbctl_unconfirmed_rollbacks", "gauge",
           "Generations kept that were rolled back because nobody confirmed them in time.")
      .sample("socketbox_sbctl_unconfirmed_rollbacks", unconfirmed);
  m.family(
       "socketbox_sbctl_probe_failed_rollbacks", "gauge",
       "Generations kept that were rolled back at once because an 'apply --probe' check failed.")
      .sample("socketbox_sbctl_probe_failed_rollbacks", probe_failed);

  // Drift, as sbctl status sees it: needs CAP_NET_ADMIN (and CAP_SYS_ADMIN
  // for another netns); without, only kernel_checked 0 is said.
  bool checked = false;
  std::uint64_t objects = 0;
  std::optional<bool> table_drift;
  std::vector<netcfg::LimitTrips> trips;
  if (cur) {
    try {
      const Snapshot after = load_snapshot(store.path_of(cur->id) + "/after");
      try {
        const auto on_disk = table::read_table_text_if_exists(cur->table);
        table_drift = on_disk != after.table;
      } catch (const std::exception& e) {
        warn("cannot read the table file: " + std::string(e.what()));
      }
      netcfg::NetnsScope ns(w.netns);
      const netcfg::KernelState k = netcfg::read_kernel_state();
      objects = netcfg::object_drift(after.kernel, k).size();
      trips = k.limit_trips;
      checked = true;
    } catch (const std::exception& e) {
      warn("kernel state not checked for drift: " + std::string(e.what()));
    }
  }
  m.family("socketbox_sbctl_kernel_checked", "gauge",
           "1 if the kernel state was read and compared with the generation in force.")
      .sample("socketbox_sbctl_kernel_checked", u(checked));
  if (checked) {
    m.family("socketbox_sbctl_drift", "gauge",
             "1 if the kernel state differs from the generation in force.")
        .sample("socketbox_sbctl_drift", u(objects > 0));
    m.family("socketbox_sbctl_drift_objects", "gauge",
             "Objects (tables, chains, sets, routes) missing, extra or changed.")
        .sample("socketbox_sbctl_drift_objects", objects);
  }
  if (!trips.empty()) {
    m.family("socketbox_sbctl_limit_tripped_total", "counter",
             "New connections a per-source limit refused (its nft rule's counter; reset when the "
             "table is loaded again).");
    for (const auto& t : trips) {
      const std::string limit =
          std::string(t.kind == netcfg::LimitTrips::Kind::Conn ? "max_conn" : "rate") +
          (t.family == AF_INET6 ? "_ip6" : "_ip");
      m.sample("socketbox_sbctl_limit_tripped_total", "steer", std::to_string(t.steer), t.packets,
               "limit", limit);
    }
  }
  if (table_drift)
    m.family("socketbox_sbctl_table_file_drift", "gauge",
             "1 if sbd's table file differs from the generation in force.")
        .sample("socketbox_sbctl_table_file_drift", u(*table_drift));

  const bool watch_current = watch && cur && watch->generation == cur->id;
  m.family("socketbox_sbctl_watch_restores_total", "counter",
           "Restores 'sbctl watch' made since it started.")
      .sample("socketbox_sbctl_watch_restores_total", watch ? watch->restores : 0);
  m.family("socketbox_sbctl_watch_restore_failures_total", "counter",
           "Restores 'sbctl watch' tried that failed, since it started.")
      .sample("socketbox_sbctl_watch_restore_failures_total", watch ? watch->restore_failures : 0);
  m.family("socketbox_sbctl_watch_gave_up", "gauge",
           "Objects of the generation in force that 'sbctl watch' gave up restoring.")
      .sample("socketbox_sbctl_watch_gave_up",
              std::uint64_t{watch_current ? watch->gave_up.size() : 0u});
}

std::string gather(const MetricsOptions& o, const Where& w) {
  MetricsText m;
  bool up = false;
  try {
    m.raw(request_metrics(w.control));
    up = true;
  } catch (const ControlError& e) {
    warn(std::string("sbd: ") + e.what());
  }
  m.family("socketbox_sbd_up", "gauge", "1 if sbd answered on its control socket.")
      .sample("socketbox_sbd_up", u(up));
  sbctl_metrics(m, o, w);
  return m.finish();
}

Where where(const MetricsOptions& o) {
  Where w;
  std::string profile_netns;
  if (!o.profile.empty()) {
    const LoadedProfile l = load_profile_checked(o.profile, false);
    w.control = l.profile.daemon.control;
    profile_netns = l.profile.netns;
  } else {
    try {
      GenerationStore store(absolute_path(o.state_dir));
      if (const auto id = store.current()) {
        const GenerationMeta g = store.read_meta(*id);
        w.control = g.control;
        profile_netns = g.netns;
      }
    } catch (const std::exception&) {
      // Reported by each gathering (socketbox_sbctl_state_readable 0).
    }
  }
  if (!o.control.empty()) w.control = o.control;
  if (w.control.empty()) w.control = kDefaultControlPath;
  w.netns = pick_netns(o.netns, profile_netns);
  return w;
}

// "127.0.0.1:9731", "[::1]:9731": host and port, or false.
bool split_listen(const std::string& s, std::string& host, int& port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
  host = s.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  const std::string p = s.substr(colon + 1);
  if (p.find_first_not_of("0123456789") != std::string::npos || p.size() > 5) return false;
  port = std::stoi(p);
  return port > 0 && port < 65536;
}

int serve(const MetricsOptions& o, const Where& w) {
  std::string host;
  int port = 0;
  if (!split_listen(o.listen, host, port)) {
    print_error("--listen takes ADDR:PORT (e.g. 127.0.0.1:9731 or [::1]:9731), not '" + o.listen +
                "'");
    return kExitError;
  }
  g_serving = true;
  httplib::Server server;
  std::mutex one_at_a_time;  // a scrape may enter a netns; keep them apart
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(one_at_a_time);
    res.set_content(gather(o, w), kMetricsContentType);
  });
  if (!server.bind_to_port(host, port)) {
    print_error("cannot listen on " + o.listen + " (address in use or not on this host?)");
    return kExitError;
  }
  const std::string status = "serving http://" + o.listen + "/metrics";
  std::fprintf(stderr, "sbctl metrics: %s\n", status.c_str());
  systemd::notify("READY=1\nSTATUS=" + status);
  if (!server.listen_after_bind()) {
    print_error("serving " + o.listen + " stopped");
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int run_metrics(const MetricsOptions& o) {
  const Where w = where(o);
  if (!o.listen.empty()) return serve(o, w);
  const std::string text = gather(o, w);
  std::fputs(text.c_str(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitError;
}

}  // namespace socketbox::sbctl
