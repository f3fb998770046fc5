#include "watch/watcher.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "ops/box_state.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/unique_fd.hpp"
#include "state/generation_store.hpp"
#include "state/snapshot.hpp"
#include "watch/fight_limit.hpp"
#include "watch/watch_record.hpp"

namespace socketbox::sbctl {
namespace {

using Clock = std::chrono::steady_clock;

void log_line(const std::string& line) { std::fprintf(stderr, "sbctl watch: %s\n", line.c_str()); }

std::string change_text(const netcfg::Change& c) {
  return (c.kind == netcfg::Change::Kind::Add      ? "missing: "
          : c.kind == netcfg::Change::Kind::Remove ? "extra: "
                                                   : "changed: ") +
         c.what;
}

// At most a few objects named in the one log line; a route flush can drop many.
std::string joined(const std::vector<std::string>& items) {
  constexpr std::size_t kShown = 4;
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kShown; ++i) out += (i ? "; " : "") + items[i];
  if (items.size() > kShown) out += "; and " + std::to_string(items.size() - kShown) + " more";
  return out;
}

std::string table_name() { return std::string(netcfg::kTableFamily) + " " + netcfg::kTableName; }

class Watcher {
 public:
  explicit Watcher(const WatcherConfig& c) : c_(c), fight_(c.fight_limit, c.fight_window) {}

  // One look at the box against the current generation; restores on drift.
  // `seen`: when the first notification of the burst came (none at start).
  void check(const Clock::time_point* seen = nullptr) {
    GenerationStore store(c_.state_dir);
    // apply, rollback and down hold this lock for their whole change: a
    // commit of theirs is never taken for drift, and the generation read
    // below is the one they left current.
    store.lock();
    const std::optional<unsigned> cur = store.current();
    if (cur != followed_) follow(cur);
    if (!cur || stopped_) return;
    const GenerationMeta m = store.read_meta(*cur);
    if (m.netns != c_.netns) {
      stop("generation " + std::to_string(*cur) + " was applied in " + netns_name(m.netns) +
           ", watch runs in " + netns_name(c_.netns) + "; not restoring it (restart watch there)");
      return;
    }
    const Snapshot after = load_snapshot(store.path_of(*cur) + "/after");
    if (!after.kernel) return;  // a `down` generation: nothing of socketbox's to keep
    const netcfg::KernelState now = netcfg::read_kernel_state();
    const auto drift = netcfg::object_drift(after.kernel, now);
    if (drift.empty()) return;
    std::vector<std::string> objects, lines;
    for (const auto& d : drift) {
      objects.push_back(d.what);
      lines.push_back(change_text(d));
    }
    const FightLimit::Verdict v = fight_.record(objects, Clock::now());
    if (!v.gave_up.empty()) {
      write_record(*cur);
      for (const auto& g : v.gave_up)
        log_line(gave_up_text(g, fight_.limit(), fight_.window()) +
                 "; another tool keeps removing it. Not restoring it (nor anything else while it "
                 "is missing: a restore puts back the whole generation) until the next apply or "
                 "rollback, or a restart of sbctl watch");
    }
    // The restore is the whole generation in one step: it cannot leave out
    // an object given up on, so it waits while one of those is missing.
    if (!v.gave_up.empty() || !v.held_off.empty()) return;
    // What the restore changes, in apply's terms, for the log line.
    std::vector<std::string> steps;
    for (const auto& c : netcfg::diff(*after.kernel, now)) steps.push_back(netcfg::to_string(c));
    const auto start = Clock::now();
    try {
      restore_kernel(after.kernel);
    } catch (const std::exception& e) {
      ++restore_failures_;
      write_record(*cur);
      log_line("generation " + std::to_string(*cur) + " drifted (" + joined(lines) +
               "); restoring it failed: " + e.what());
      return;
    }
    const auto done = Clock::now();
    ++restores_;
    write_record(*cur);
    auto ms = [](Clock::duration d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    };
    log_line("generation " + std::to_string(*cur) + " drifted (" + joined(lines) +
             "); restored it in " + ms(done - start) + " ms" +
             (seen ? " (" + ms(done - *seen) + " ms after the change was seen)" : "") + ": " +
             (steps.empty() ? "nft table " + table_name() + " replaced" : joined(steps)));
  }

  int loop(int signal_fd) {
    netcfg::ChangeMonitor monitor;     // before the first check: no change slips between
    clear_watch_record(c_.state_dir);  // a restart starts afresh
    // A new generation is followed at once, also one that changed nothing
    // in the kernel (only sbd's table): `current` is renamed into place or
    // removed. (The first check's lock() has made the directory.)
    UniqueFd gens(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    check();
    if (gens && ::inotify_add_watch(gens.get(), c_.state_dir.c_str(),
                                    IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0)
      log_line("cannot follow " + c_.state_dir + " (" + std::strerror(errno) +
               "); a new generation is noticed at the next kernel change");
    started_ = true;
    if (c_.ready)
      c_.ready(followed_ ? "watching generation " + std::to_string(*followed_)
                         : "watching; no generation applied");
    const auto fds = monitor.fds();
    // A check is due at `due` when `pending`; `seen` is the burst's first
    // kernel notification, when `have_seen`. (No std::optional: g++ 12
    // warns, wrongly, that one may be read uninitialized.)
    Clock::time_point due{}, seen{};
    bool pending = false, have_seen = false;
    for (;;) {
      int timeout = -1;
      if (pending) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count();
        timeout = left > 0 ? static_cast<int>(left) : 0;
      }
      pollfd p[4] = {{signal_fd, POLLIN, 0},
                     {fds[0], POLLIN, 0},
                     {fds[1], POLLIN, 0},
                     {gens ? gens.get() : -1, POLLIN, 0}};
      const int n = ::poll(p, 4, timeout);
      if (n < 0 && errno != EINTR) {
        log_line(std::string("poll failed: ") + std::strerror(errno));
        return 2;
      }
      if (p[0].revents & POLLIN) {
        signalfd_siginfo si{};
        (void)!::read(signal_fd, &si, sizeof si);
        log_line("stopping (signal " + std::to_string(si.ssi_signo) + ")");
        return 0;
      }
      for (int i = 1; i < 3; ++i)
        if ((p[i].revents & POLLIN) && monitor.take(p[i].fd)) {
          if (!have_seen) seen = Clock::now();
          have_seen = true;
          if (!pending) due = seen + c_.debounce;  // a burst is one check, at most `debounce` late
          pending = true;
        }
      if ((p[3].revents & POLLIN) && generation_changed(gens.get()) && !pending) {
        due = Clock::now() + c_.debounce;
        pending = true;
      }
      if (pending && Clock::now() >= due) {
        const bool timed = have_seen;
        pending = have_seen = false;
        try {
          check(timed ? &seen : nullptr);
        } catch (const std::exception& e) {
          log_line(std::string("checking the kernel state failed: ") + e.what());
        }
      }
    }
  }

 private:
  // Drains the inotify events; true if one was about `current`.
  static bool generation_changed(int fd) {
    alignas(inotify_event) char buf[4096];
    bool changed = false;
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
      for (ssize_t off = 0; off < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
        if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && std::strcmp(ev->name, "current") == 0))
          changed = true;
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
    return changed;
  }

  static std::string netns_name(const std::string& ns) {
    return ns.empty() ? "watch's own network namespace" : "network namespace " + ns;
  }

  // A new generation is the new truth: earlier fights are forgotten.
  void follow(const std::optional<unsigned>& cur) {
    if (started_)
      log_line(cur ? "following generation " + std::to_string(*cur)
                   : "no generation is current; nothing to keep");
    followed_ = cur;
    fight_.reset();
    stopped_ = false;
    // What was given up on belonged to the generation left; the counts go on.
    if (restores_ || restore_failures_)
      write_record(cur.value_or(0));
    else
      clear_watch_record(c_.state_dir);
  }

  void stop(const std::string& why) {
    stopped_ = true;
    log_line(why);
  }

  const WatcherConfig& c_;
  FightLimit fight_;
  std::optional<unsigned> followed_;
  std::uint64_t restores_ = 0, restore_failures_ = 0;

  // The record of what was given up on (for `generation`) and the counts.
  void write_record(unsigned generation) {
    WatchRecord r{generation, {}, restores_, restore_failures_};
    for (const auto& g : fight_.given_up_objects())
      r.gave_up.push_back("watch: " + gave_up_text(g, fight_.limit(), fight_.window()));
    write_watch_record(c_.state_dir, r);
  }
  bool stopped_ = false;
  bool started_ = false;
};

}  // namespace

int run_watcher(const WatcherConfig& config, int signal_fd) {
  Watcher w(config);
  return w.loop(signal_fd);
}

}  // namespace socketbox::sbctl
