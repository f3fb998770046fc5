// The per-connection path: accept, read the addresses, look them up, hand
// the socket off (or reset it), close sbd's copy. Allocates nothing and never
// blocks.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>

#include "accept_ring_api.hpp"
#include "active_table.hpp"
#include "connection_log.hpp"
#include "counters.hpp"
#include "handoff.hpp"

namespace socketbox::daemon {

class Dispatcher {
 public:
  Dispatcher(int listen_fd, HandoffSender& sender, CounterRegistry& counters,
             bool substitute_paths) noexcept
      : listen_fd_(listen_fd),
        sender_(sender),
        counters_(counters),
        substitute_(substitute_paths) {}

  void install(ActiveTable t) noexcept {
    active_ = std::move(t);
    sender_.forget_targets();  // target numbers may name other paths now
  }
  // Queues hand-offs to linked targets there instead of sending them (the
  // io_uring loop); nullptr: every send is made at once (the epoll loop).
  void set_queue(HandoffQueue* q) noexcept { queue_ = q; }
  // Logs each connection's outcome there (nullptr: off, the default).
  void set_connection_log(ConnectionLog* log) noexcept { log_ = log; }
  const ActiveTable& active() const noexcept { return active_; }

  enum class Drain {
    Empty,    // accepted until EAGAIN (or a fairness cap: epoll calls again)
    BackOff,  // out of descriptors or memory: stop polling for a while
  };
  // Accepts and dispatches the queued connections.
  Drain drain() noexcept;

  // Dispatches one accepted connection and closes sbd's copy of it.
  void dispatch(int conn, const sockaddr* local, const sockaddr* peer) noexcept;

  // The io_uring loop's side of the path (AcceptEvents, through the
  // daemon). A new connection: reads its destination and dispatches it.
  void accepted(int conn, const sockaddr* peer) noexcept;
  // An accept failed with `err`: counts and logs it; false when accepting
  // must pause (out of descriptors or memory).
  bool accept_failed(int err) noexcept;
  // A queued hand-off ran: counted when it was sent; otherwise dispatched
  // again, at once and by the same rules (a dead link is reconnected).
  void handed_off(int conn, std::uint32_t target, const socketbox::table::Tuple& t,
                  int err) noexcept;

 private:
  using ExpandedPath = char[sizeof(sockaddr_un::sun_path)];
  // Sends conn to targets[index], its -U placeholders expanded into
  // `expanded`; `name` is set to the path for messages. Returns 0 or errno.
  int send_to_target(int conn, std::uint32_t index, const socketbox::table::Tuple& t,
                     ExpandedPath& expanded, const char*& name) noexcept;
  // Looks t up and hands conn off (or resets it). A table is installed.
  void route(int conn, const socketbox::table::Tuple& t) noexcept;
  void fail(int conn, const socketbox::table::Tuple& t, const char* why, const char* target,
            int err) noexcept;

  int listen_fd_;
  HandoffSender& sender_;
  CounterRegistry& counters_;
  bool substitute_;
  ActiveTable active_;
  ConnectionLog* log_ = nullptr;
  HandoffQueue* queue_ = nullptr;
};

// Closes a connection so that the client sees a reset at once (SO_LINGER 0).
void reset_connection(int fd) noexcept;

}  // namespace socketbox::daemon
