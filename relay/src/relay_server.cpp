#include "relay_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>

#include "clock.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "setup_error.hpp"
#include "signals.hpp"
#include "socketbox/control_protocol.hpp"

namespace socketbox::relay {
namespace {

using daemon::errno_text;
using daemon::log_conn_error;
using daemon::log_line;
using daemon::monotonic_ms;
using daemon::SetupError;

enum Kind : std::uint64_t {
  kSignal = 1,
  kTimer,
  kControlListen,
  kControlTimer,
  kControlClient,
  kReceiver,
  kListener,
  kClient,
  kTarget,
};
constexpr unsigned kKindShift = 56;
constexpr std::uint64_t kGenMask = 0xffffff;

std::uint64_t tag(Kind k, std::uint32_t slot = 0, std::uint32_t gen = 0) {
  return (static_cast<std::uint64_t>(k) << kKindShift) | ((gen & kGenMask) << 32) | slot;
}

constexpr long kTickMs = 100;
// recvmmsg batches (up to SB_RECV_BATCH hand-offs each) taken per wake-up,
// then other relays and connections run.
constexpr std::size_t kBatchesPerWake = 4;
constexpr int kEventsPerWait = 256;
// fds one relayed connection holds: two sockets, two pipes.
constexpr std::uint64_t kFdsPerConn = 6;

void add_fd(int epfd, int fd, std::uint32_t events, std::uint64_t t) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = t;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) throw SetupError(errno_text("epoll_ctl", errno));
}

// No getsockname() first to see whether `fd` is TCP: on a Unix socket this
// fails (EOPNOTSUPP) and costs the same one call.
void set_nodelay(int fd) noexcept {
  const int saved = errno;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  errno = saved;
}

// The client's address and the one it dialled: the received socket's own
// names, or for a socketpair from sb_connect the addresses it stands for.
bool connection_ends(int fd, sockaddr_storage& src, sockaddr_storage& dst) noexcept {
  socklen_t sl = sizeof src, dl = sizeof dst;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&src), &sl) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&dst), &dl) < 0)
    return false;
  if (src.ss_family != AF_UNIX) return true;
  sl = sizeof src;
  dl = sizeof dst;
  return sb_connection_address(fd, 1, reinterpret_cast<sockaddr*>(&src), &sl) == 0 &&
         sb_connection_address(fd, 0, reinterpret_cast<sockaddr*>(&dst), &dl) == 0;
}

void raise_fd_limit(std::uint64_t want) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return;
  if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < want) {
    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want)
    log_line("warning: the descriptor limit %llu is below what --max-connections needs (%llu)",
             static_cast<unsigned long long>(rl.rlim_cur), static_cast<unsigned long long>(want));
}

}  // namespace

Relay::~Relay() { sb_receiver_close(rx); }

RelayServer::RelayServer(Options o) : opts_(std::move(o)) {
  started_ms_ = monotonic_ms();
  raise_fd_limit(opts_.limits.max_connections * kFdsPerConn + 2 * PipePool::kMaxPipes + 64);
  conns_.resize(opts_.limits.max_connections);
  free_.reserve(conns_.size());
  for (std::size_t i = conns_.size(); i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));

  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) throw SetupError(errno_text("epoll_create1", errno));
  signals_ = daemon::open_signalfd();
  add_fd(epoll_.get(), signals_.get(), EPOLLIN, tag(kSignal));
  timer_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_) throw SetupError(errno_text("timerfd_create", errno));
  itimerspec its{};
  its.it_value.tv_nsec = its.it_interval.tv_nsec = kTickMs * 1000000L;
  timerfd_settime(timer_.get(), 0, &its, nullptr);
  add_fd(epoll_.get(), timer_.get(), EPOLLIN, tag(kTimer));

  const auto specs = wanted_relays();
  std::string error;
  relays_ = bind_relays(specs, error);
  if (!error.empty()) throw SetupError(error);
  watch_receivers();

  if (!opts_.control.empty()) {
    control_ = std::make_unique<daemon::ControlServer>(opts_.control, *this);
    control_->attach(epoll_.get(), tag(kControlClient));
    add_fd(epoll_.get(), control_->listen_fd(), EPOLLIN, tag(kControlListen));
    add_fd(epoll_.get(), control_->timer_fd(), EPOLLIN, tag(kControlTimer));
  }
}

RelayServer::~RelayServer() = default;

std::vector<RelaySpec> RelayServer::wanted_relays() const {
  std::vector<RelaySpec> specs = opts_.relays;
  if (!opts_.config.empty()) {
    auto more = load_config_file(opts_.config);
    specs.insert(specs.end(), std::make_move_iterator(more.begin()),
                 std::make_move_iterator(more.end()));
  }
  check_relays(specs);
  return specs;
}

// Keeps the relays whose path stays (their spec updated: connections already
// made are not affected), binds new ones. All or nothing: on error the new
// sockets are closed again and `error` says why.
std::vector<std::shared_ptr<Relay>> RelayServer::bind_relays(const std::vector<RelaySpec>& specs,
                                                             std::string& error) {
  std::map<std::string, std::shared_ptr<Relay>> old;
  for (const auto& r : relays_) old[r->spec.path] = r;
  std::vector<std::shared_ptr<Relay>> out;
  std::vector<std::shared_ptr<Relay>> fresh;
  std::vector<std::pair<std::shared_ptr<Relay>, RelaySpec>> updates;
  for (const auto& s : specs) {
    if (auto it = old.find(s.path); it != old.end()) {
      out.push_back(it->second);
      if (!it->second->spec.same_as(s)) updates.emplace_back(it->second, s);
      continue;
    }
    auto r = std::make_shared<Relay>();
    r->spec = s;
    sb_receiver_options ro{};
    ro.nonblock = 1;
    if (opts_.sender_uid) {
      ro.require_uid = 1;
      ro.uid = *opts_.sender_uid;
    }
    r->rx = sb_receiver_open(s.path.c_str(), &ro);
    if (r->rx) sb_receiver_keep_listeners(r->rx, 1);
    if (!r->rx) {
      error = errno_text("cannot bind receiving socket " + s.path, errno);
      for (const auto& f : fresh) unlink(f->spec.path.c_str());
      return {};
    }
    fresh.push_back(r);
    out.push_back(std::move(r));
  }
  for (auto& [r, s] : updates) r->spec = std::move(s);
  return out;
}

void RelayServer::watch_receivers() {
  const auto watch = [&](int fd, Kind kind, std::size_t i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag(kind, static_cast<std::uint32_t>(i));
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0 &&
        epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
      throw SetupError(errno_text("epoll_ctl", errno));
  };
  for (std::size_t i = 0; i < relays_.size(); ++i) {
    watch(sb_receiver_fd(relays_[i]->rx), kReceiver, i);
    if (relays_[i]->listener) watch(relays_[i]->listener.get(), kListener, i);
  }
}

void RelayServer::drop_listener(Relay& r) noexcept {
  if (!r.listener) return;
  // The same socket may live on in another descriptor (sbd's, the next
  // one sent): only an explicit removal takes it out of this epoll set.
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, r.listener.get(), nullptr);
  r.listener.reset();
}

void RelayServer::take_listener(std::size_t index, int fd) noexcept {
  Relay& r = *relays_[index];
  drop_listener(r);
  r.listener.reset(fd);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag(kListener, static_cast<std::uint32_t>(index));
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) {
    log_line("relay %s: cannot watch the listening socket it was sent: %s", r.spec.path.c_str(),
             std::strerror(errno));
    r.listener.reset();
    return;
  }
  sockaddr_in6 sa{};
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  log_line("relay %s: took a listening socket (port %u) and accepts from it", r.spec.path.c_str(),
           static_cast<unsigned>(ntohs(sa.sin6_port)));
}

void RelayServer::on_listener(std::size_t index) noexcept {
  if (index >= relays_.size() || !relays_[index]->listener) return;
  const std::shared_ptr<Relay>& r = relays_[index];
  // As many as a receiver batch, then the other relays and connections run.
  for (int i = 0; i < SB_RECV_BATCH * static_cast<int>(kBatchesPerWake); ++i) {
    const int fd = accept4(r->listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        log_conn_error("relay %s: accept: %s", r->spec.path.c_str(), std::strerror(errno));
      return;
    }
    ++r->counters.accepted;
    if (free_.empty()) {
      ++r->counters.refused_over_limit;
      close(fd);
      continue;
    }
    start(r, fd);
  }
}

std::optional<std::string> RelayServer::reload() {
  std::vector<RelaySpec> specs;
  try {
    specs = wanted_relays();
  } catch (const std::exception& e) {
    ++reloads_failed_;
    return std::string(e.what());
  }
  std::string error;
  auto next = bind_relays(specs, error);
  if (!error.empty()) {
    ++reloads_failed_;
    return error;
  }
  for (const auto& r : relays_) {
    bool kept = false;
    for (const auto& n : next) kept = kept || n == r;
    if (kept) continue;
    // Removed: no new connections; those it made keep running.
    drop_listener(*r);
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, sb_receiver_fd(r->rx), nullptr);
    sb_receiver_close(r->rx);
    r->rx = nullptr;
    unlink(r->spec.path.c_str());
  }
  relays_ = std::move(next);
  try {
    watch_receivers();
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  ++generation_;
  relays_changed_ = true;
  return std::nullopt;
}

void RelayServer::on_receiver(std::size_t index) noexcept {
  if (index >= relays_.size()) return;
  const std::shared_ptr<Relay>& r = relays_[index];
  // Room for all the receiver may queue, so none stays behind in it where
  // epoll cannot see it.
  int fds[SB_RECV_BATCH * SB_RECV_MAX_FDS];
  for (std::size_t batch = 0; batch < kBatchesPerWake; ++batch) {
    const int n = sb_receiver_accept_batch(r->rx, fds, static_cast<int>(std::size(fds)),
                                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR)
        log_conn_error("relay %s: receive: %s", r->spec.path.c_str(), std::strerror(errno));
      return;
    }
    // sbd's listener hand-off for this relay's route: kept by the receiver.
    if (const int l = sb_receiver_take_listener(r->rx, SOCK_NONBLOCK | SOCK_CLOEXEC); l >= 0)
      take_listener(index, l);
    for (int i = 0; i < n; ++i) {
      ++r->counters.accepted;
      if (free_.empty()) {
        ++r->counters.refused_over_limit;
        close(fds[i]);
        continue;
      }
      start(r, fds[i]);
    }
    // A short batch: the socket is empty, no need to ask again for EAGAIN.
    if (n < SB_RECV_BATCH) return;
  }
}

void RelayServer::start(const std::shared_ptr<Relay>& r, int fd) noexcept {
  const std::uint32_t slot = free_.back();
  free_.pop_back();
  Conn& c = conns_[slot];
  c.state = State::kConnecting;
  ++c.gen;
  c.client.reset(fd);
  c.relay = r;
  c.header_len = c.header_off = 0;
  c.client_readable = false;
  ++active_;
  ++r->counters.active;
  const std::uint64_t now = monotonic_ms();
  c.deadline_ms = now + opts_.limits.connect_timeout_ms;
  c.last_active_ms = now;

  if (r->spec.proxy != ProxyVersion::kNone) {
    sockaddr_storage src{}, dst{};
    const bool known = connection_ends(fd, src, dst);
    c.header_len =
        encode_proxy_header(r->spec.proxy, known ? reinterpret_cast<sockaddr*>(&src) : nullptr,
                            known ? reinterpret_cast<sockaddr*>(&dst) : nullptr, r->spec.netns,
                            c.header, sizeof c.header);
  }
  const Target& t = r->spec.target;
  c.target.reset(socket(t.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!c.target) {
    connect_failed(c, errno);
    return;
  }
  const std::uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  epoll_event e{};
  e.events = ev;
  e.data.u64 = tag(kClient, slot, c.gen);
  epoll_event et{};
  et.events = ev;
  et.data.u64 = tag(kTarget, slot, c.gen);
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.client.get(), &e) < 0 ||
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.target.get(), &et) < 0) {
    connect_failed(c, errno);
    return;
  }
  if (connect(c.target.get(), reinterpret_cast<const sockaddr*>(&t.addr), t.addr_len) == 0) {
    connected(c, ~0u);
  } else if (errno != EINPROGRESS) {
    // A Unix target with a full backlog says EAGAIN: as good as down.
    connect_failed(c, errno);
  }
}

void RelayServer::connect_failed(Conn& c, int err) noexcept {
  Relay& r = *c.relay;
  ++r.counters.failed_connect;
  const std::uint64_t now = monotonic_ms();
  const std::uint64_t interval = std::uint64_t{opts_.limits.fail_log_interval_s} * 1000;
  if (!r.logged_once || now - r.last_fail_log_ms >= interval) {
    if (r.fails_unlogged)
      log_line("relay %s: cannot connect to %s: %s (and %llu more failures since the last line)",
               r.spec.path.c_str(), r.spec.target.text.c_str(), std::strerror(err),
               static_cast<unsigned long long>(r.fails_unlogged));
    else
      log_line("relay %s: cannot connect to %s: %s", r.spec.path.c_str(),
               r.spec.target.text.c_str(), std::strerror(err));
    r.logged_once = true;
    r.last_fail_log_ms = now;
    r.fails_unlogged = 0;
  } else {
    ++r.fails_unlogged;
  }
  finish(c);
}

void RelayServer::connected(Conn& c, std::uint32_t target_events) noexcept {
  ++c.relay->counters.connected;
  c.state = State::kRelaying;
  c.last_active_ms = monotonic_ms();
  set_nodelay(c.client.get());
  if (c.relay->spec.target.family() != AF_UNIX) set_nodelay(c.target.get());
  if (!c.up.open(pipes_) || !c.down.open(pipes_)) {
    log_conn_error("relay %s: pipe: %s", c.relay->spec.path.c_str(), std::strerror(errno));
    ++c.relay->counters.errors;
    finish(c);
    return;
  }
  // A side that has shown no input since it was added to the epoll set has
  // none (any would have come with an event): reading it would only say
  // EAGAIN, one splice per connection and side saved.
  constexpr std::uint32_t kInput = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
  pump(c, c.client_readable, (target_events & kInput) != 0);
}

bool RelayServer::write_header(Conn& c) noexcept {
  while (c.header_off < c.header_len) {
    const ssize_t n = send(c.target.get(), c.header + c.header_off, c.header_len - c.header_off,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN;
    }
    c.header_off += static_cast<std::size_t>(n);
  }
  return true;
}

void RelayServer::pump(Conn& c, bool read_client, bool read_target) noexcept {
  if (!write_header(c)) {
    ++c.relay->counters.errors;
    finish(c);
    return;
  }
  const bool header_sent = c.header_off == c.header_len;
  // One step per direction: each runs until both of its ends would block,
  // and one direction's progress never unblocks the other (new bytes from
  // a peer come with a new edge), so going round again only costs splices
  // that say EAGAIN.
  std::uint64_t up_moved = 0, down_moved = 0;
  // Client bytes wait until the PROXY header is out.
  auto up = header_sent && read_client
                ? c.up.step(c.client.get(), c.target.get(), up_moved, c.down.done())
                : SplicePump::Step::kIdle;
  auto down = SplicePump::Step::kIdle;
  if (up != SplicePump::Step::kError && read_target)
    down = c.down.step(c.target.get(), c.client.get(), down_moved, c.up.done());
  c.relay->counters.bytes_to_target += up_moved;
  c.relay->counters.bytes_to_client += down_moved;
  if (up == SplicePump::Step::kError || down == SplicePump::Step::kError) {
    // A reset from either side ends both: nothing more can be delivered.
    if (errno != ECONNRESET && errno != EPIPE) ++c.relay->counters.errors;
    finish(c);
    return;
  }
  if (up == SplicePump::Step::kProgress || down == SplicePump::Step::kProgress)
    c.last_active_ms = monotonic_ms();
  if (c.up.done() && c.down.done()) finish(c);
}

void RelayServer::finish(Conn& c) noexcept {
  if (c.state == State::kFree) return;
  // close() removes the fds from the epoll set.
  c.client.reset();
  c.target.reset();
  c.up.close(pipes_);
  c.down.close(pipes_);
  --c.relay->counters.active;
  c.relay.reset();
  c.state = State::kFree;
  ++c.gen;
  --active_;
  free_.push_back(static_cast<std::uint32_t>(&c - conns_.data()));
}

void RelayServer::on_conn(std::uint32_t slot, std::uint32_t gen, std::uint32_t events,
                          bool is_target) noexcept {
  if (slot >= conns_.size()) return;
  Conn& c = conns_[slot];
  if (c.state == State::kFree || (c.gen & kGenMask) != gen) return;  // stale event
  if (c.state == State::kConnecting) {
    if (!is_target) {
      if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.client_readable = true;
      return;
    }
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    // Writable without an error: connected. SO_ERROR only to say why not.
    if (!(events & (EPOLLERR | EPOLLHUP))) {
      connected(c, events);
      return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c.target.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    connect_failed(c, err ? err : ECONNREFUSED);
    return;
  }
  pump(c);
}

void RelayServer::on_tick() noexcept {
  std::uint64_t ticks;
  [[maybe_unused]] ssize_t n = read(timer_.get(), &ticks, sizeof ticks);
  pipes_.on_tick();
  const std::uint64_t now = monotonic_ms();
  const std::uint64_t idle_ms = std::uint64_t{opts_.limits.idle_timeout_s} * 1000;
  for (Conn& c : conns_) {
    if (c.state == State::kConnecting && now >= c.deadline_ms) {
      connect_failed(c, ETIMEDOUT);
    } else if (c.state == State::kRelaying && idle_ms && now - c.last_active_ms >= idle_ms) {
      ++c.relay->counters.idle_timeouts;
      finish(c);
    }
  }
}

bool RelayServer::on_signal() noexcept {
  signalfd_siginfo si{};
  while (read(signals_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    if (si.ssi_signo == SIGHUP) {
      reload_pending_ = true;
    } else {
      return false;
    }
  }
  return true;
}

std::string RelayServer::summary() const {
  std::string s = "serving " + std::to_string(relays_.size()) + " relay";
  if (relays_.size() != 1) s += 's';
  for (const auto& r : relays_) {
    s += (&r == &relays_.front()) ? ": " : ", ";
    s += r->spec.path + " -> " + r->spec.target.text;
    if (r->spec.proxy != ProxyVersion::kNone)
      s += std::string(" (PROXY ") + proxy_version_name(r->spec.proxy) + ")";
  }
  return s;
}

std::string RelayServer::status_json() const {
  control::RelayStatusAnswer a;
  a.pid = getpid();
  a.uptime_s = (monotonic_ms() - started_ms_) / 1000;
  a.generation = generation_;
  a.reloads_failed = reloads_failed_;
  a.active = active_;
  a.max_connections = opts_.limits.max_connections;
  a.relays.reserve(relays_.size());
  for (const auto& r : relays_) {
    const RelayCounters& k = r->counters;
    a.relays.push_back({r->spec.path, r->spec.target.text, proxy_version_name(r->spec.proxy),
                        k.accepted, k.connected, k.failed_connect, k.refused_over_limit,
                        k.idle_timeouts, k.errors, k.active, k.bytes_to_target, k.bytes_to_client});
  }
  return control::to_line(a);
}

std::string RelayServer::answer_text(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line == "status" || line == "counters") return status_json();
  if (line == "reload") {
    daemon::notify_reloading();
    const auto err = reload();
    daemon::notify_ready(summary());
    if (err) {
      log_line("reload failed: %s", err->c_str());
      return control::to_line(control::ReloadAnswer{false, generation_, *err});
    }
    log_line("reloaded: %s", summary().c_str());
    return control::to_line(control::ReloadAnswer{true, generation_, {}});
  }
  return control::to_line(control::ErrorAnswer{
      control::ErrorKind::UnknownCommand, "unknown command '" + std::string(line.substr(0, 64)) +
                                              "': expected status, counters or reload"});
}

daemon::ControlAnswer RelayServer::answer_line(std::string_view line) {
  return {answer_text(line)};  // sb-relay answers everything at once
}

int RelayServer::run() {
  epoll_event events[kEventsPerWait];
  for (;;) {
    const int n = epoll_wait(epoll_.get(), events, kEventsPerWait, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      log_line("epoll_wait: %s", std::strerror(errno));
      return daemon::kExitFailure;
    }
    bool stop = false;
    relays_changed_ = false;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t t = events[i].data.u64;
      const auto kind = static_cast<Kind>(t >> kKindShift);
      const auto slot = static_cast<std::uint32_t>(t & 0xffffffff);
      const auto gen = static_cast<std::uint32_t>((t >> 32) & kGenMask);
      switch (kind) {
        case kSignal:
          stop = stop || !on_signal();
          break;
        case kTimer:
          on_tick();
          break;
        case kControlListen:
          if (control_) control_->on_accept();
          break;
        case kControlTimer:
          if (control_) control_->on_timer();
          break;
        case kControlClient:
          if (control_) control_->on_client(static_cast<int>(slot), events[i].events);
          break;
        case kReceiver:
          // Level-triggered: skipped ones come back after a reload.
          if (!relays_changed_) on_receiver(slot);
          break;
        case kListener:
          if (!relays_changed_) on_listener(slot);
          break;
        case kClient:
        case kTarget:
          on_conn(slot, gen, events[i].events, kind == kTarget);
          break;
      }
    }
    if (stop) break;
    if (reload_pending_) {
      reload_pending_ = false;
      daemon::notify_reloading();
      if (const auto err = reload())
        log_line("reload failed, keeping the relays as they were: %s", err->c_str());
      else
        log_line("reloaded: %s", summary().c_str());
      daemon::notify_ready(summary());
    }
  }
  daemon::notify_stopping();
  log_line("stopping: %llu connections still open are closed",
           static_cast<unsigned long long>(active_));
  daemon::log_flush_suppressed();
  return daemon::kExitOk;
}

}  // namespace socketbox::relay
