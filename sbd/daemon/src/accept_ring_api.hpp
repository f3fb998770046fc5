// What sbd's io_uring loop (accept_ring.hpp) and the rest of sbd see of each
// other, without liburing: the queue the dispatcher may put a hand-off in,
// and the events the ring reports to the daemon.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "socketbox/table/address.hpp"

// For the functions that call across these interfaces: UBSan checks a
// virtual call's object by reading memory through a pipe, which fails while
// sbd is out of descriptors (EMFILE), the very case the ring and the
// dispatcher must get through; under a sanitizer that would abort sbd.
#define SB_NO_VPTR_CHECK __attribute__((no_sanitize("vptr")))

namespace socketbox::daemon {

class HandoffQueue {
 public:
  // Queues conn's hand-off over `via`, the socket linked to target
  // `target`, and the close of sbd's copy behind it. False: not queued (no
  // room, or not now); the caller sends it itself.
  virtual bool queue_handoff(int via, int conn, std::uint32_t target,
                             const socketbox::table::Tuple& t) noexcept = 0;

 protected:
  ~HandoffQueue() = default;
};

class AcceptEvents {
 public:
  // A new connection (sbd owns `conn`).
  virtual void accepted(int conn, const sockaddr* peer) noexcept = 0;
  // accept failed with `err`; false: stop accepting until resumed.
  virtual bool accept_failed(int err) noexcept = 0;
  // A queued hand-off ran: err 0, it was sent and sbd's copy closed;
  // otherwise `conn` is still sbd's and the handler decides its fate.
  virtual void handed_off(int conn, std::uint32_t target, const socketbox::table::Tuple& t,
                          int err) noexcept = 0;
  // The watched descriptor (the epoll set) is readable.
  virtual void watch_ready() noexcept = 0;

 protected:
  ~AcceptEvents() = default;
};

}  // namespace socketbox::daemon
