// The daemon: owns the sockets and the epoll loop, and ties the parts
// together (dispatcher, reload, control socket, signals, accept back-off).
// Every handler runs to completion inside the loop; only the reloader's
// worker thread (reading and building a new table) runs beside it.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <string>

#include "accept_ring_api.hpp"
#include "connection_log.hpp"
#include "control_protocol.hpp"
#include "control_server.hpp"
#include "counters.hpp"
#include "dispatcher.hpp"
#include "handoff.hpp"
#include "listener.hpp"
#include "listener_holder.hpp"
#include "options.hpp"
#include "reloader.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

class AcceptRing;

class Daemon final : public ControlHandler, private AcceptEvents {
 public:
  // Throws SetupError.
  Daemon(const Options& o, Listener listener, std::shared_ptr<const socketbox::table::Table> table);
  ~Daemon();

  ControlServer* control() noexcept { return control_.get(); }
  std::string summary() const;  // one line: what is being served
  // Starts the reload worker (see Reloader::start): after the privilege
  // drop, before the seccomp filter.
  void start_reloader(void (*setup)() = nullptr) { reloader_.start(setup); }

  // Runs until SIGTERM or SIGINT. Returns the exit code.
  int run();

  StatusInfo status() override;
  ReloadRequest reload() override;
  ListenerResult listener(UniqueFd fd) override;

 private:
  // The io_uring loop (--event-loop); false: epoll (why, in `why`).
  bool open_ring(std::string& why);
  int run_ring();
  // Runs the epoll handlers for `events`; -1, or the exit code to stop with.
  int handle(const epoll_event* events, int n);
  // AcceptEvents, from the ring
  void accepted(int conn, const sockaddr* peer) noexcept override;
  bool accept_failed(int err) noexcept override;
  void handed_off(int conn, std::uint32_t target, const socketbox::table::Tuple& t,
                  int err) noexcept override;
  void watch_ready() noexcept override;

  void install(std::shared_ptr<const socketbox::table::Table> t,
               const std::vector<std::string>& warnings, PreparedCounters* prepared = nullptr);
  void on_reload_done();
  void pause_accepts(int fd);
  void resume_accepts();
  void update_listener_timer() noexcept;
  void on_listener_tick();
  bool on_signal();  // false: stop

  Options opts_;
  Listener listener_;
  std::string listen_desc_;
  HandoffSender sender_;
  ListenerHolder listeners_;  // listener hand-off mode
  UniqueFd listener_timer_;   // every ListenerHolder::kTickMs while it watches paths
  bool listener_timer_armed_ = false;
  CounterRegistry counters_;
  std::unique_ptr<ConnectionLog> connlog_;  // --log-connections, else null
  Dispatcher dispatcher_;
  UniqueFd epoll_;
  std::unique_ptr<AcceptRing> ring_;  // null: the epoll loop
  std::string ring_why_;              // why not, for the log
  int stop_code_ = -1;
  UniqueFd signals_;
  UniqueFd backoff_timer_;
  std::unique_ptr<ControlServer> control_;
  Reloader reloader_;
  bool listen_paused_ = false, control_paused_ = false;
  std::uint64_t generation_ = 0;
  std::uint64_t started_ms_ = 0;
  std::uint64_t started_unix_s_ = 0;
};

}  // namespace socketbox::daemon
