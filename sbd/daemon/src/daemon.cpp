#include "daemon.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

#if SB_IO_URING
#include "accept_ring.hpp"
#endif
#include "clock.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "setup_error.hpp"
#include "signals.hpp"
#include "socketbox/table/parser.hpp"

namespace socketbox::daemon {

#if !SB_IO_URING
class AcceptRing final {  // never made: this build has only the epoll loop
 public:
  void pause_accepts() noexcept {}
  void resume_accepts() noexcept {}
};
#endif

namespace tbl = socketbox::table;

namespace {

enum Tag : std::uint64_t {
  kListen = 1,
  kBackoff = 2,
  kSignal = 3,
  kControlListen = 4,
  kControlTimer = 5,
  kReloadDone = 6,
  kListenerTick = 7,
  kControlClient = 100,  // + slot
};

constexpr long kBackoffMs = 100;

void add(int epfd, int fd, std::uint64_t tag, std::uint32_t events = EPOLLIN) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) throw SetupError(errno_text("epoll_ctl", errno));
}

void set_events(int epfd, int fd, std::uint64_t tag, std::uint32_t events) noexcept {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

std::string table_name(const Options& o) {
  return o.send_all.empty() ? o.table : "--send-all " + o.send_all;
}

}  // namespace

Daemon::Daemon(const Options& o, Listener listener, std::shared_ptr<const tbl::Table> table)
    : opts_(o),
      listener_(std::move(listener)),
      listen_desc_(describe_local(listener_.fd.get())),
      listeners_(sender_,
                 [] {
                   const char* n = std::getenv("NOTIFY_SOCKET");
                   return n && *n;
                 }()),
      listener_timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      dispatcher_(listener_.fd.get(), sender_, counters_, o.substitute_paths),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      signals_(open_signalfd()),
      backoff_timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      reloader_(o.table, o.table_limits, &counters_),
      started_ms_(monotonic_ms()),
      started_unix_s_(static_cast<std::uint64_t>(std::time(nullptr))) {
  if (!epoll_ || !backoff_timer_ || !listener_timer_)
    throw SetupError(errno_text("cannot create the event loop", errno));
  // Listening sockets held before a restart, back from systemd's fd store;
  // the table loaded below says which of them stay, and run() sends them
  // (main calls it once sbd has dropped its privileges).
  listeners_.hold_sends();
  listeners_.require_netns_of(listener_.fd.get());
  for (Listener::Stored& s : listener_.stored) {
    const std::string name = s.name;
    const std::string error = listeners_.adopt(std::move(s.fd), name);
    if (!error.empty())
      log_line("%s from systemd's fd store: %s; dropped", name.c_str(), error.c_str());
  }
  listener_.stored.clear();
  if (opts_.log_connections) {
    // Opened here, before the chroot and the seccomp filter.
    ConnectionLog::Config c;
    c.clients = opts_.log_clients;
    c.per_second = opts_.log_connections_rate;
    c.journal =
        socketbox::systemd::stderr_is_journal() ? socketbox::systemd::kJournalSocket : nullptr;
    connlog_ = std::make_unique<ConnectionLog>(c, counters_.connection_log);
    if (connlog_->journal_failed()) {
      const int err = errno;
      log_line("%s; the connection log goes to stderr as plain lines",
               errno_text(std::string("cannot connect to ") + c.journal, err).c_str());
    }
    dispatcher_.set_connection_log(connlog_.get());
  }
  const auto warnings = table_warnings(*table);
  install(std::move(table), warnings);
  if (opts_.event_loop != EventLoop::Epoll && !open_ring(ring_why_) &&
      opts_.event_loop == EventLoop::IoUring)
    throw SetupError("--event-loop io_uring: " + ring_why_);
  if (!ring_) add(epoll_.get(), listener_.fd.get(), kListen);
  add(epoll_.get(), reloader_.event_fd(), kReloadDone);
  add(epoll_.get(), signals_.get(), kSignal);
  add(epoll_.get(), backoff_timer_.get(), kBackoff);
  add(epoll_.get(), listener_timer_.get(), kListenerTick);
  update_listener_timer();
  if (!opts_.control.empty()) {
    control_ = std::make_unique<ControlServer>(opts_.control, *this);
    control_->attach(epoll_.get(), kControlClient);
    add(epoll_.get(), control_->listen_fd(), kControlListen);
    add(epoll_.get(), control_->timer_fd(), kControlTimer);
  }
}

Daemon::~Daemon() = default;

bool Daemon::open_ring([[maybe_unused]] std::string& why) {
#if SB_IO_URING
  ring_ = AcceptRing::open(listener_.fd.get(), epoll_.get(), why);
  dispatcher_.set_queue(ring_.get());
  return ring_ != nullptr;
#else
  why = "this sbd was built without io_uring (SB_IO_URING=OFF)";
  return false;
#endif
}

void Daemon::accepted(int conn, const sockaddr* peer) noexcept { dispatcher_.accepted(conn, peer); }

bool Daemon::accept_failed(int err) noexcept {
  if (dispatcher_.accept_failed(err)) return true;
  pause_accepts(listener_.fd.get());
  return false;
}

void Daemon::handed_off(int conn, std::uint32_t target, const tbl::Tuple& t, int err) noexcept {
  dispatcher_.handed_off(conn, target, t, err);
}

void Daemon::watch_ready() noexcept {
  epoll_event events[64];
  const int n = epoll_wait(epoll_.get(), events, 64, 0);
  if (n > 0) {
    try {
      stop_code_ = handle(events, n);
    } catch (const std::exception& e) {
      // What the epoll loop would let out of run(); the ring's handlers are
      // noexcept, so the loop stops here instead.
      log_line("%s", e.what());
      stop_code_ = kExitFailure;
    }
  }
}

int Daemon::run_ring() {
#if SB_IO_URING
  while (stop_code_ < 0) {
    if (const int err = ring_->run_once(*this)) {
      log_line("io_uring_enter: %s", std::strerror(err));
      return kExitFailure;
    }
  }
#endif
  return stop_code_;
}

void Daemon::install(std::shared_ptr<const tbl::Table> t, const std::vector<std::string>& warnings,
                     PreparedCounters* prepared) {
  for (const auto& w : warnings) log_line("%s: warning: %s", t->source.c_str(), w.c_str());
  ActiveTable a;
  if (prepared) {
    // Counters were built beside the loop: here only counts are carried
    // over and maps swapped; the old map is freed by the worker.
    auto old = std::make_shared<std::map<std::string, TargetCounters>>();
    a.counters = counters_.adopt(*t, std::move(*prepared), *old);
    reloader_.dispose(std::move(old));
  } else {
    a.counters = counters_.bind(*t);
  }
  a.table = std::move(t);
  a.generation = ++generation_;
  auto old = dispatcher_.active().table;
  dispatcher_.install(std::move(a));
  reloader_.dispose(std::move(old));  // a huge table is freed off the loop too
  listeners_.set_table(dispatcher_.active().table->listeners, monotonic_ms());
  update_listener_timer();
}

ListenerResult Daemon::listener(UniqueFd fd) {
  ListenerResult r = listeners_.take(std::move(fd), monotonic_ms());
  update_listener_timer();
  return r;
}

void Daemon::update_listener_timer() noexcept {
  const bool want = listeners_.ticking();
  if (want == listener_timer_armed_) return;
  itimerspec its{};
  if (want) {
    its.it_value.tv_nsec = static_cast<long>(ListenerHolder::kTickMs) * 1000000L;
    its.it_interval = its.it_value;
  }
  timerfd_settime(listener_timer_.get(), 0, &its, nullptr);
  listener_timer_armed_ = want;
}

void Daemon::on_listener_tick() {
  std::uint64_t ticks;
  [[maybe_unused]] ssize_t n = read(listener_timer_.get(), &ticks, sizeof ticks);
  listeners_.tick(monotonic_ms());
}

std::string Daemon::summary() const {
  const auto& t = *dispatcher_.active().table;
  return "serving " + listen_desc_ + " with " + table_name(opts_) + " (generation " +
         std::to_string(generation_) + ": " + std::to_string(t.rule_sets.size()) + " rule sets, " +
         std::to_string(t.map_sets.size()) + " map sets, " + std::to_string(t.targets.size()) +
         " targets)";
}

StatusInfo Daemon::status() {
  StatusInfo s;
  s.listen = listen_desc_;
  s.table = table_name(opts_);
  s.generation = generation_;
  s.uptime_s = (monotonic_ms() - started_ms_) / 1000;
  s.started_unix_s = started_unix_s_;
  s.pid = static_cast<long>(getpid());
  s.reloading = reloader_.busy();
  s.event_loop = ring_ ? "io_uring" : "epoll";
  s.counters = &counters_;
  s.listeners = listeners_.status();
  return s;
}

ReloadRequest Daemon::reload() {
  ReloadRequest r;
  r.outcome.generation = generation_;
  if (!opts_.send_all.empty()) {
    r.outcome.error = "sbd runs with --send-all: there is no table to reload";
    ++counters_.reloads.failed;
    log_line("reload: %s", r.outcome.error.c_str());
    return r;
  }
  // Read and built on the reloader's thread; the table in service changes
  // only on success, in on_reload_done(). Dispatch goes on meanwhile.
  if (!reloader_.busy()) notify_reloading();
  r.ticket = reloader_.request();
  return r;
}

void Daemon::on_reload_done() {
  ReloadResult res;
  if (!reloader_.take(res)) return;
  control::ReloadAnswer r;
  if (res.table) {
    // The one part of a reload on the loop: binding counters and the swap.
    const std::uint64_t t0 = monotonic_ms();
    install(std::move(res.table), res.warnings, res.counters.get());
    r.ok = true;
    ++counters_.reloads.ok;
    log_line("reloaded: %s; swapped in %llu ms", summary().c_str(),
             static_cast<unsigned long long>(monotonic_ms() - t0));
  } else {
    r.error = std::move(res.error);
    ++counters_.reloads.failed;
    log_line("reload failed, still serving generation %llu: %s",
             static_cast<unsigned long long>(generation_), r.error.c_str());
  }
  r.generation = generation_;
  if (control_) {
    try {
      control_->complete(res.ticket, control::to_line(r));
    } catch (const std::exception&) {
      control_->complete(res.ticket, control::kOutOfMemoryReloadLine);
    }
  }
  reloader_.resume();  // a reload asked for meanwhile, now that the registry is stable
  if (!reloader_.busy()) notify_ready(r.ok ? summary() : "reload failed; " + summary());
}

void Daemon::pause_accepts(int fd) {
  // Level-triggered epoll would wake us again at once for the connection we
  // could not take: stop watching it for a while instead of spinning.
  if (ring_ && fd == listener_.fd.get())
    ring_->pause_accepts();
  else
    set_events(epoll_.get(), fd, fd == listener_.fd.get() ? kListen : kControlListen, 0);
  (fd == listener_.fd.get() ? listen_paused_ : control_paused_) = true;
  itimerspec its{};
  its.it_value.tv_nsec = kBackoffMs * 1000000L;
  timerfd_settime(backoff_timer_.get(), 0, &its, nullptr);
}

void Daemon::resume_accepts() {
  std::uint64_t ticks;
  [[maybe_unused]] ssize_t n = read(backoff_timer_.get(), &ticks, sizeof ticks);
  if (listen_paused_ && ring_)
    ring_->resume_accepts();
  else if (listen_paused_)
    set_events(epoll_.get(), listener_.fd.get(), kListen, EPOLLIN);
  if (control_paused_ && control_)
    set_events(epoll_.get(), control_->listen_fd(), kControlListen, EPOLLIN);
  listen_paused_ = control_paused_ = false;
}

bool Daemon::on_signal() {
  signalfd_siginfo si;
  while (read(signals_.get(), &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGHUP) {
      log_line("SIGHUP: reloading %s", opts_.table.c_str());
      reload();
    } else {
      // At once, whatever a reload is doing: a busy worker is abandoned.
      log_line("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
      return false;
    }
  }
  return true;
}

int Daemon::handle(const epoll_event* events, int n) {
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = events[i].data.u64;
    switch (tag) {
      case kListen:
        if (dispatcher_.drain() == Dispatcher::Drain::BackOff) pause_accepts(listener_.fd.get());
        break;
      case kBackoff:
        resume_accepts();
        break;
      case kSignal:
        if (!on_signal()) {
          notify_stopping();
          log_flush_suppressed();
          if (connlog_) connlog_->flush_suppressed();
          return kExitOk;
        }
        break;
      case kControlListen:
        if (!control_->on_accept()) pause_accepts(control_->listen_fd());
        break;
      case kControlTimer:
        control_->on_timer();
        break;
      case kReloadDone:
        on_reload_done();
        break;
      case kListenerTick:
        on_listener_tick();
        break;
      default:
        if (tag >= kControlClient && control_)
          control_->on_client(static_cast<int>(tag - kControlClient), events[i].events);
    }
  }
  return -1;
}

int Daemon::run() {
  listeners_.start_sending(monotonic_ms());
  if (ring_) {
    log_line("accepting with io_uring");
    return run_ring();
  }
  if (opts_.event_loop == EventLoop::Auto)
    log_line("accepting with epoll (io_uring: %s)", ring_why_.c_str());
  epoll_event events[64];
  for (;;) {
    const int n = epoll_wait(epoll_.get(), events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      log_line("epoll_wait: %s", std::strerror(errno));
      return kExitFailure;
    }
    if (const int code = handle(events, n); code >= 0) return code;
  }
}

}  // namespace socketbox::daemon
