// sbd's per-connection path on io_uring (built with SB_IO_URING):
// the listening socket's accepts, each hand-off's sendmsg with the close of
// sbd's copy linked behind it, and a poll of the event loop's epoll
// descriptor share one ring. A connection then costs sbd two system calls
// (io_uring_enter and getsockname) where the epoll path makes six, and on
// this kind of machine a system call's entry alone is about 1 us.
//
// The ring knows sockets, not tables: its AcceptEvents (the daemon, which
// asks the dispatcher) decide. The ring is locked to the four operations it uses
// (IORING_REGISTER_RESTRICTIONS), since what runs in it passes by seccomp.
// Nothing here allocates after open().
#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "accept_ring_api.hpp"
#include "socketbox/handoff_wire.hpp"
#include "socketbox/table/address.hpp"

namespace socketbox::daemon {

class AcceptRing final : public HandoffQueue {
 public:
  static constexpr unsigned kAccepts = 16;  // accepts armed at once
  static constexpr unsigned kSends = 256;   // hand-offs queued or running

  // Null, with the reason in `why`, when this kernel (or a sysctl, seccomp
  // or a container's profile) gives sbd no io_uring: sbd uses epoll then.
  static std::unique_ptr<AcceptRing> open(int listen_fd, int watch_fd, std::string& why);
  ~AcceptRing();
  AcceptRing(const AcceptRing&) = delete;
  AcceptRing& operator=(const AcceptRing&) = delete;

  // Both run at the next run_once(). False when no slot is free, or while
  // queueing is off (settling, or a failed hand-off's second try).
  bool queue_handoff(int via, int conn, std::uint32_t target,
                     const socketbox::table::Tuple& t) noexcept override;

  // Submits what is queued, waits for an event, and hands every completion
  // to `h`. Before watch_ready() every queued hand-off has run, so none is
  // open across what the epoll handlers do (a table change, a status).
  // Returns 0, or the errno of io_uring_enter.
  int run_once(AcceptEvents& h) noexcept;

  void pause_accepts() noexcept { accepts_paused_ = true; }
  void resume_accepts() noexcept;

 private:
  struct AcceptSlot {
    sockaddr_storage peer{};
    socklen_t len = 0;
    bool armed = false;
  };
  struct SendSlot {
    OneFdMessage m;
    int conn = -1;
    std::uint32_t target = 0;
    socketbox::table::Tuple t;
  };

  AcceptRing(int listen_fd, int watch_fd) noexcept : listen_fd_(listen_fd), watch_fd_(watch_fd) {}
  bool arm_accept(unsigned i) noexcept;
  bool arm_watch() noexcept;
  void arm_all() noexcept;
  void complete(const io_uring_cqe& cqe, AcceptEvents& h) noexcept;
  void reap(AcceptEvents& h) noexcept;
  // Runs the queued hand-offs and waits until all of them completed.
  // Connections accepted meanwhile reach `h` with queueing off (the handler
  // sends them itself).
  void settle(AcceptEvents& h) noexcept;

  io_uring ring_{};
  bool ring_ok_ = false;
  int listen_fd_;
  int watch_fd_;
  bool watch_armed_ = false;
  bool watch_fired_ = false;
  bool accepts_paused_ = false;
  bool probing_ = false;  // resumed: one accept armed until one succeeds
  bool queueing_ = true;
  unsigned in_flight_ = 0;  // hand-offs submitted or queued, not completed
  std::array<AcceptSlot, kAccepts> accepts_{};
  std::array<SendSlot, kSends> sends_;
  std::array<std::uint16_t, kSends> free_{};
  unsigned free_count_ = 0;
};

}  // namespace socketbox::daemon
