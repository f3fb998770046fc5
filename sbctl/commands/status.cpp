// sbctl status [--netns NAME] [--state-dir DIR] [--control PATH] [--json]:
// the generation in force, drift between it and the box (each missing,
// extra or changed object named), and sbd's counters. Exit 0 in step, 1
// drift, 2 error, as diff.
#include <sys/socket.h>

#include <cstdio>
#include <ctime>
#include <map>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "control/control_client.hpp"
#include "output/json_writer.hpp"
#include "output/style.hpp"
#include "output/text_table.hpp"
#include "output/timestamp.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/table/table_file.hpp"
#include "state/generation_store.hpp"
#include "state/snapshot.hpp"
#include "util/files.hpp"
#include "watch/watch_record.hpp"

namespace socketbox::sbctl {
namespace {

struct Report {
  std::optional<GenerationMeta> gen;
  std::string netns;
  bool kernel_checked = false;
  std::string kernel_error;
  std::vector<std::string> kernel_drift;  // "+ ..." / "- ..."
  // Per-source limits as the kernel holds them, with their trip counters.
  struct Limit {
    std::size_t steer = 0;
    netcfg::SourceLimits limits;
    std::vector<netcfg::LimitTrips> trips;
  };
  std::vector<Limit> limits;
  // Listener routes: nft's counter of each block steered to its own socket.
  std::vector<netcfg::SteerCounter> listener_counters;
  std::string table_path;
  std::string table_state;  // in-step | differs | missing | unknown
  std::string control;
  std::optional<SbdStatus> sbd;
  std::string sbd_error;
  std::vector<std::string> watch_gave_up;  // sbctl watch stopped restoring these
  // apply --probe: the newest generation's probe outcome (or the current's).
  std::optional<GenerationMeta> probed;
  // sb-relay: asked when the generation manages its config or --relay-control is given.
  bool relay_asked = false;
  std::string relay_config, relay_config_state;  // in-step | differs | missing | unknown
  std::string relay_control;
  std::optional<RelayStatus> relay;
  std::string relay_error;
};

Report gather(const StatusOptions& o) {
  Report r;
  GenerationStore store(absolute_path(o.state_dir));
  // status only reads; apply, rollback and down repair what a killed run left.
  for (const unsigned id : store.list())
    if (store.read_meta(id).state == GenState::Incomplete)
      print_warning(
          "generation " + std::to_string(id) +
          " was interrupted before it finished (the box may hold part of it); "
          "the next 'sbctl apply', 'rollback' or 'down' puts back the state from before it");
  const auto ids = store.list();
  if (!ids.empty()) {
    if (GenerationMeta last = store.read_meta(ids.back()); !last.probe_result.empty())
      r.probed = std::move(last);
  }
  Snapshot after;
  bool have_after = false;
  if (const auto cur = store.current()) {
    r.gen = store.read_meta(*cur);
    if (!r.probed && !r.gen->probe_result.empty()) r.probed = r.gen;
    // Only for the generation in force: the next apply or rollback resets it.
    if (const auto w = read_watch_record(store.dir()); w && w->generation == *cur)
      r.watch_gave_up = w->gave_up;
    try {
      after = load_snapshot(store.path_of(*cur) + "/after");
      have_after = true;
    } catch (const std::exception& e) {
      r.kernel_error = e.what();
    }
  }
  r.netns = pick_netns(o.netns, r.gen ? r.gen->netns : "");
  r.control = !o.control.empty() ? o.control : r.gen ? r.gen->control : kDefaultControlPath;
  r.table_path = r.gen ? r.gen->table : "";
  if (have_after) {
    try {
      netcfg::NetnsScope ns(r.netns);
      const netcfg::KernelState k = netcfg::read_kernel_state();
      r.kernel_checked = true;
      for (std::size_t i = 0; i < k.steering.steers.size(); ++i) {
        if (!k.steering.steers[i].limits.any()) continue;
        Report::Limit l{i, k.steering.steers[i].limits, {}};
        for (const auto& t : k.limit_trips)
          if (t.steer == i) l.trips.push_back(t);
        r.limits.push_back(std::move(l));
      }
      r.listener_counters = k.steer_counters;
      // Object by object: Add = the generation has it and the kernel lacks it.
      for (const auto& c : netcfg::object_drift(after.kernel, k))
        r.kernel_drift.push_back((c.kind == netcfg::Change::Kind::Add      ? "missing: "
                                  : c.kind == netcfg::Change::Kind::Remove ? "extra: "
                                                                           : "changed: ") +
                                 c.what);
    } catch (const std::exception& e) {
      r.kernel_error = e.what();
    }
    try {
      const auto on_disk = table::read_table_text_if_exists(r.table_path);
      r.table_state = !on_disk                 ? (after.table ? "missing" : "in-step")
                      : on_disk == after.table ? "in-step"
                                               : "differs";
    } catch (const std::exception& e) {
      r.table_state = std::string("unknown (") + e.what() + ")";
    }
  }
  r.relay_control = !o.relay_control.empty() ? o.relay_control : r.gen ? r.gen->relay_control : "";
  r.relay_asked = !r.relay_control.empty();
  if (have_after && after.relay_recorded && r.gen && !r.gen->relay_config.empty()) {
    r.relay_config = r.gen->relay_config;
    try {
      const auto on_disk = read_file_if_exists(r.relay_config);
      r.relay_config_state = on_disk == after.relay ? "in-step" : !on_disk ? "missing" : "differs";
    } catch (const std::exception& e) {
      r.relay_config_state = std::string("unknown (") + e.what() + ")";
    }
  }
  if (r.relay_asked) {
    try {
      r.relay = request_relay_status(r.relay_control);
    } catch (const ControlError& e) {
      r.relay_error = e.not_running() ? std::string("not running (") + e.what() + ")" : e.what();
    }
  }
  try {
    r.sbd = request_status(r.control);
  } catch (const ControlError& e) {
    r.sbd_error = e.not_running() ? std::string("not running (") + e.what() + ")" : e.what();
  }
  return r;
}

// A failed probe's rollback that left the kernel unlike the state before.
bool rollback_incomplete(const GenerationMeta& m) {
  return !m.rollback_check.empty() && m.rollback_check.rfind("verified", 0) != 0;
}

const char* family_word(int family) { return family == AF_INET6 ? "ip6" : "ip"; }
const char* kind_word(netcfg::LimitTrips::Kind k) {
  return k == netcfg::LimitTrips::Kind::Conn ? "max_conn" : "rate";
}

// "ip6 max_conn tripped 3, ip6 rate tripped 0"
std::string trips_text(const std::vector<netcfg::LimitTrips>& trips) {
  std::string out;
  for (const auto& t : trips)
    out += std::string(out.empty() ? "" : ", ") + family_word(t.family) + " " + kind_word(t.kind) +
           " tripped " + std::to_string(t.packets);
  return out;
}

void print_json(const Report& r) {
  JsonWriter w;
  w.begin_object();
  w.key("generation");
  if (r.gen)
    w.value(static_cast<std::int64_t>(r.gen->id));
  else
    w.null();
  if (r.gen) {
    w.key("state")
        .value(to_word(r.gen->state))
        .key("kind")
        .value(to_word(r.gen->kind))
        .key("profile")
        .value(r.gen->profile);
    w.key("applied_at").value(static_cast<std::int64_t>(r.gen->created));
    if (r.gen->state == GenState::Pending)
      w.key("confirm_deadline").value(static_cast<std::int64_t>(r.gen->deadline));
  }
  w.key("netns").value(r.netns);
  w.key("kernel").begin_object().key("checked").value(r.kernel_checked);
  if (r.kernel_checked) w.key("in_step").value(r.kernel_drift.empty());
  w.key("drift").begin_array();
  for (const auto& d : r.kernel_drift) w.value(d);
  w.end_array();
  if (!r.kernel_error.empty()) w.key("error").value(r.kernel_error);
  w.key("limits").begin_array();
  for (const auto& l : r.limits) {
    w.begin_object().key("steer").value(static_cast<std::int64_t>(l.steer));
    w.key("text").value(netcfg::to_string(l.limits));
    w.key("max_conn_per_source").value(static_cast<std::int64_t>(l.limits.max_conn));
    w.key("rate_per_source").value(static_cast<std::int64_t>(l.limits.rate));
    w.key("rate_unit_seconds").value(static_cast<std::int64_t>(l.limits.rate_unit));
    w.key("rate_burst").value(static_cast<std::int64_t>(l.limits.burst));
    w.key("source_prefix6").value(static_cast<std::int64_t>(l.limits.prefix6));
    w.key("source_prefix4").value(static_cast<std::int64_t>(l.limits.prefix4));
    w.key("tripped").begin_array();
    for (const auto& t : l.trips)
      w.begin_object()
          .key("family")
          .value(family_word(t.family))
          .key("limit")
          .value(kind_word(t.kind))
          .key("count")
          .value(static_cast<std::int64_t>(t.packets))
          .end_object();
    w.end_array().end_object();
  }
  w.end_array();
  w.key("listener_counters").begin_array();
  for (const auto& c : r.listener_counters)
    w.begin_object()
        .key("port")
        .value(static_cast<std::int64_t>(c.port))
        .key("family")
        .value(family_word(c.family))
        .key("packets")
        .value(static_cast<std::int64_t>(c.packets))
        .key("bytes")
        .value(static_cast<std::int64_t>(c.bytes))
        .end_object();
  w.end_array();
  w.end_object();
  w.key("table")
      .begin_object()
      .key("path")
      .value(r.table_path)
      .key("state")
      .value(r.table_state)
      .end_object();
  w.key("probe");
  if (r.probed) {
    w.begin_object()
        .key("generation")
        .value(static_cast<std::int64_t>(r.probed->id))
        .key("state")
        .value(to_word(r.probed->state))
        .key("result")
        .value(r.probed->probe_result)
        .key("detail")
        .value(r.probed->probe)
        .key("rollback_check")
        .value(r.probed->rollback_check)
        .end_object();
  } else {
    w.null();
  }
  w.key("watch").begin_object().key("gave_up").begin_array();
  for (const auto& g : r.watch_gave_up) w.value(g);
  w.end_array().end_object();
  w.key("control").value(r.control);
  w.key("sbd");
  if (r.sbd)
    w.raw(r.sbd->raw);
  else
    w.null();
  if (!r.sbd) w.key("sbd_error").value(r.sbd_error);
  w.key("relay");
  if (r.relay_asked || !r.relay_config.empty()) {
    w.begin_object().key("control").value(r.relay_control);
    w.key("config").value(r.relay_config).key("config_state").value(r.relay_config_state);
    w.key("reachable").value(r.relay.has_value());
    w.key("status");
    if (r.relay)
      w.raw(r.relay->raw);
    else
      w.null();
    if (!r.relay) w.key("error").value(r.relay_error);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
  std::printf("%s\n", w.str().c_str());
}

// Listener routes: what sbd holds and delivered, and what nft steered there.
void print_listeners(const Report& r, const Style& s) {
  std::map<std::uint16_t, std::uint64_t> packets;
  for (const auto& c : r.listener_counters) packets[c.port] += c.packets;
  const bool sbd_has = r.sbd && !r.sbd->answer.listeners.empty();
  if (!sbd_has && packets.empty()) return;
  TextTable lt;
  lt.add({Cell("LISTENER", Color::Bold), Cell("SERVER", Color::Bold), Cell("HELD", Color::Bold),
          Cell("DELIVERED", Color::Bold), Cell("NFT PACKETS", Color::Bold),
          Cell("LAST ERROR", Color::Bold)});
  if (sbd_has)
    for (const auto& l : r.sbd->answer.listeners) {
      const auto n = packets.find(l.port);
      lt.add(
          {std::to_string(l.port), l.path,
           Cell(l.held ? "yes" : "NO", l.held ? Color::Green : Color::Red),
           std::to_string(l.delivered),
           n == packets.end() ? Cell("not steered", Color::Red) : Cell(std::to_string(n->second)),
           Cell(l.last_error, l.last_error.empty() ? Color::None : Color::Red)});
      if (n != packets.end()) packets.erase(n);
    }
  for (const auto& [port, n] : packets)
    lt.add({std::to_string(port), Cell("(sbd names no server)", Color::Red), "", "",
            std::to_string(n), ""});
  std::printf("\n%s", lt.render(s).c_str());
}

void print_text(const Report& r) {
  const Style& s = out_style();
  TextTable t;
  if (r.gen) {
    const Color c = r.gen->state == GenState::Pending ? Color::Yellow : Color::Green;
    std::string g = std::to_string(r.gen->id) + " (" + std::string(to_word(r.gen->state));
    if (r.gen->state == GenState::Pending)
      g += ", rolled back at " + utc_time(r.gen->deadline) + " unless confirmed";
    g += "; " + std::string(to_word(r.gen->kind)) + " of " + r.gen->profile + " at " +
         utc_time(r.gen->created) + ")";
    t.add({"generation", Cell("sbctl " + g, c)});
  } else {
    t.add({"generation", Cell("none applied by sbctl", Color::Dim)});
  }
  t.add({"netns", r.netns.empty() ? "(current)" : r.netns});
  if (r.kernel_checked) {
    if (r.kernel_drift.empty()) {
      t.add({"kernel", Cell("in step with generation " + std::to_string(r.gen->id), Color::Green)});
    } else {
      for (std::size_t i = 0; i < r.kernel_drift.size(); ++i)
        t.add({i ? "" : "kernel", Cell("drift: " + r.kernel_drift[i], Color::Red)});
    }
  } else if (!r.kernel_error.empty()) {
    t.add({"kernel", Cell("not checked: " + r.kernel_error, Color::Yellow)});
  }
  for (std::size_t i = 0; i < r.limits.size(); ++i) {
    const auto& l = r.limits[i];
    t.add({i ? "" : "limits",
           "steer " + std::to_string(l.steer) + ": " + netcfg::to_string(l.limits)});
    bool tripped = false;
    for (const auto& x : l.trips) tripped = tripped || x.packets > 0;
    t.add({"", Cell("  " + trips_text(l.trips), tripped ? Color::Yellow : Color::None)});
  }
  for (std::size_t i = 0; i < r.watch_gave_up.size(); ++i)
    t.add({i ? "" : "watch", Cell(r.watch_gave_up[i], Color::Red)});
  if (r.probed) {
    const GenerationMeta& m = *r.probed;
    const std::string gen = "generation " + std::to_string(m.id) + ": ";
    if (m.probe_result == "passed") {
      t.add({"probe", Cell(gen + m.probe + "; confirmed by the probes", Color::Green)});
    } else {
      t.add({"probe",
             Cell(gen + "failed: " + m.probe + "; " + std::string(to_word(m.state)), Color::Red)});
      if (!m.rollback_check.empty())
        t.add({"", Cell(rollback_incomplete(m) ? "ROLLBACK INCOMPLETE: " + m.rollback_check
                                               : "rollback " + m.rollback_check,
                        rollback_incomplete(m) ? Color::Red : Color::Yellow)});
    }
  }
  if (r.gen)
    t.add({"table",
           Cell(r.table_path + " " + (r.table_state == "in-step" ? "in step" : r.table_state),
                r.table_state == "in-step" ? Color::Green : Color::Red)});
  if (r.sbd) {
    const control::StatusAnswer& d = r.sbd->answer;
    t.add({"sbd", Cell("running, pid " + std::to_string(d.pid) + ", up " +
                           std::to_string(d.uptime_s) + " s",
                       Color::Green)});
    t.add({"listen",
           d.event_loop.empty() ? d.listen : d.listen + ", accepting with " + d.event_loop});
    // sbd counts its own table loads; say so, so that it is not read as
    // sbctl's generation above.
    t.add({"sbd table",
           d.table + " (sbd's table load " + std::to_string(d.generation) + " since it started)"});
    const control::ConnectionCounts& c = d.connections;
    t.add({"connections", "accepted " + std::to_string(c.accepted) + ", dispatched " +
                              std::to_string(c.dispatched) + ", no match " +
                              std::to_string(c.no_match) + ", failed " + std::to_string(c.failed)});
  } else {
    t.add({"sbd", Cell(r.sbd_error, Color::Yellow)});
  }
  if (!r.relay_config.empty())
    t.add({"relay config",
           Cell(r.relay_config + " " +
                    (r.relay_config_state == "in-step" ? "in step" : r.relay_config_state),
                r.relay_config_state == "in-step" ? Color::Green : Color::Red)});
  if (r.relay) {
    const control::RelayStatusAnswer& x = r.relay->answer;
    t.add({"sb-relay",
           Cell("running, pid " + std::to_string(x.pid) + ", up " + std::to_string(x.uptime_s) +
                    " s, config load " + std::to_string(x.generation) + ", " +
                    std::to_string(x.active) + " active of " + std::to_string(x.max_connections),
                Color::Green)});
  } else if (r.relay_asked) {
    t.add({"sb-relay", Cell(r.relay_error, Color::Yellow)});
  }
  std::fputs(t.render(s).c_str(), stdout);
  if (r.relay && !r.relay->answer.relays.empty()) {
    TextTable rt;
    rt.add({Cell("RELAY", Color::Bold), Cell("TARGET", Color::Bold), Cell("PROXY", Color::Bold),
            Cell("ACCEPTED", Color::Bold), Cell("CONNECTED", Color::Bold),
            Cell("FAILED", Color::Bold), Cell("ACTIVE", Color::Bold),
            Cell("BYTES TO TARGET/CLIENT", Color::Bold)});
    for (const auto& x : r.relay->answer.relays) {
      const long long failed = x.failed_connect + x.refused_over_limit + x.errors;
      rt.add({x.path, x.target, x.proxy, std::to_string(x.accepted), std::to_string(x.connected),
              Cell(std::to_string(failed), failed ? Color::Red : Color::None),
              std::to_string(x.active),
              std::to_string(x.bytes_to_target) + "/" + std::to_string(x.bytes_to_client)});
    }
    std::printf("\n%s", rt.render(s).c_str());
  }
  if (r.sbd && !r.sbd->answer.targets.empty()) {
    const control::StatusAnswer& d = r.sbd->answer;
    TextTable tt;
    tt.add({Cell("TARGET", Color::Bold), Cell("SENT", Color::Bold), Cell("MISSING", Color::Bold),
            Cell("REFUSED", Color::Bold), Cell("FULL", Color::Bold), Cell("OTHER", Color::Bold),
            Cell("FAILOVERS", Color::Bold)});
    for (const auto& target : d.targets) {
      const control::FailedCounts& x = target.failed;
      const bool bad = target.failed_total() > 0;
      tt.add(
          {target.name(), std::to_string(target.sent),
           Cell(std::to_string(x.missing), x.missing ? Color::Red : Color::None),
           Cell(std::to_string(x.refused), x.refused ? Color::Red : Color::None),
           Cell(std::to_string(x.full), x.full ? Color::Red : Color::None),
           Cell(std::to_string(x.other), bad && x.other ? Color::Red : Color::None),
           Cell(std::to_string(target.failovers), target.failovers ? Color::Yellow : Color::None)});
    }
    std::printf("\n%s", tt.render(s).c_str());
    if (d.truncated)
      std::printf(
          "(the %zu busiest of %llu targets; all of them: `status targets OFFSET COUNT` "
          "on sbd's control socket)\n",
          d.targets.size(), static_cast<unsigned long long>(d.targets_total));
  }
  print_listeners(r, s);
  if (r.sbd && r.sbd->answer.retired.targets > 0)
    std::printf("retired: %llu targets no longer in the table, %llu sent before they left\n",
                static_cast<unsigned long long>(r.sbd->answer.retired.targets),
                static_cast<unsigned long long>(r.sbd->answer.retired.sent));
}

// 0 in step (or nothing applied), 1 drift (kernel or table file, or watch
// gave up restoring an object of the generation in force, or a failed
// probe's rollback left the kernel unlike the state before, or sbd holds no
// socket for a listener route), 2 the
// kernel could not be read; sbd not running is reported, not an exit code.
int exit_code(const Report& r) {
  if (!r.kernel_error.empty() || r.table_state.rfind("unknown", 0) == 0 ||
      r.relay_config_state.rfind("unknown", 0) == 0)
    return kExitError;
  // A listener route whose socket sbd does not hold steers to no socket.
  bool listener_lost = false;
  if (r.sbd)
    for (const auto& l : r.sbd->answer.listeners) listener_lost = listener_lost || !l.held;
  const bool drift = !r.kernel_drift.empty() || (r.gen && r.table_state != "in-step") ||
                     listener_lost || !r.watch_gave_up.empty() ||
                     (!r.relay_config.empty() && r.relay_config_state != "in-step") ||
                     (r.probed && rollback_incomplete(*r.probed));
  return drift ? kExitChanges : kExitOk;
}

int run(const StatusOptions& o) {
  const Report r = gather(o);
  if (o.json) {
    print_json(r);
  } else {
    print_text(r);
  }
  return exit_code(r);
}

}  // namespace

int run_status(const StatusOptions& o) { return run(o); }

}  // namespace socketbox::sbctl
