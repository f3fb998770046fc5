// sb-relay's event loop: receiving sockets (one per relay), the relayed
// connections, the control socket, signals and a coarse timer, all in one
// edge-triggered epoll set. Single-threaded; connection slots are allocated
// up front (--max-connections), so the per-connection path allocates
// nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "control_answerer.hpp"
#include "control_server.hpp"
#include "counters.hpp"
#include "options.hpp"
#include "proxy_header.hpp"
#include "socketbox/receiver.h"
#include "socketbox/unique_fd.hpp"
#include "splice_pump.hpp"

namespace socketbox::relay {

// One receiving socket and where its connections go. Shared with the
// connections it accepted, which outlive it when a reload removes it.
struct Relay {
  RelaySpec spec;
  sb_receiver* rx = nullptr;
  // Listener hand-off: a listening socket that arrived at the receiving
  // socket (sbd sends it once for a route with handoff = "listener");
  // sb-relay then accepts its connections natively.
  UniqueFd listener;
  RelayCounters counters;
  std::uint64_t last_fail_log_ms = 0;
  std::uint64_t fails_unlogged = 0;
  bool logged_once = false;
  ~Relay();
};

class RelayServer final : public daemon::ControlAnswerer {
 public:
  // Binds every receiving socket and the control socket. Throws SetupError
  // (or ConfigError for a broken --config file). Sockets bound on a reload
  // after the privilege drop need a directory sb-relay's user may write.
  explicit RelayServer(Options o);
  ~RelayServer() override;

  // Runs until SIGTERM or SIGINT. Returns the exit code.
  int run();
  std::string summary() const;
  daemon::ControlAnswer answer_line(std::string_view line) override;
  std::string answer_text(std::string_view line);
  std::string status_json() const;

  // Re-reads --config and rebinds: new relays bound, removed ones closed,
  // existing connections kept. On any error nothing changes and the
  // message ("file:line:col: error: ...") is returned.
  std::optional<std::string> reload();

 private:
  enum class State : std::uint8_t { kFree, kConnecting, kRelaying };
  struct Conn {
    State state = State::kFree;
    std::uint32_t gen = 0;
    UniqueFd client, target;
    SplicePump up, down;  // client -> target, target -> client
    std::shared_ptr<Relay> relay;
    std::uint64_t deadline_ms = 0;  // connecting: give up then
    std::uint64_t last_active_ms = 0;
    unsigned char header[kMaxProxyHeader];
    std::size_t header_len = 0, header_off = 0;
    bool client_readable = false;  // while connecting: the client sent something
  };

  std::vector<RelaySpec> wanted_relays() const;  // command line + --config
  std::vector<std::shared_ptr<Relay>> bind_relays(const std::vector<RelaySpec>& specs,
                                                  std::string& error);
  void watch_receivers();
  void on_receiver(std::size_t index) noexcept;
  // A listening socket arrived at relay `index`: accept from it from now on
  // (one replaces the one before, e.g. sent again by a restarted sbd).
  void take_listener(std::size_t index, int fd) noexcept;
  void on_listener(std::size_t index) noexcept;
  void drop_listener(Relay& r) noexcept;
  void start(const std::shared_ptr<Relay>& r, int fd) noexcept;
  void on_conn(std::uint32_t slot, std::uint32_t gen, std::uint32_t events,
               bool is_target) noexcept;
  // target_events: the epoll events that said so (~0u: connect() returned 0).
  void connected(Conn& c, std::uint32_t target_events) noexcept;
  void connect_failed(Conn& c, int err) noexcept;
  // read_client/read_target false: that side is known to have nothing yet.
  void pump(Conn& c, bool read_client = true, bool read_target = true) noexcept;
  void finish(Conn& c) noexcept;
  void on_tick() noexcept;
  bool on_signal() noexcept;            // false: stop
  bool write_header(Conn& c) noexcept;  // false: error

  Options opts_;
  UniqueFd epoll_, signals_, timer_;
  std::unique_ptr<daemon::ControlServer> control_;
  std::vector<std::shared_ptr<Relay>> relays_;
  std::vector<Conn> conns_;
  PipePool pipes_;  // empty pipes for the next connections
  std::vector<std::uint32_t> free_;
  std::uint64_t active_ = 0;
  std::uint64_t generation_ = 1;
  std::uint64_t started_ms_ = 0;
  bool reload_pending_ = false;
  bool relays_changed_ = false;  // in this batch: skip its receiver events
  std::uint64_t reloads_failed_ = 0;
};

}  // namespace socketbox::relay
