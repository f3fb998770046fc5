#include "accept_ring.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "handoff.hpp"

namespace socketbox::daemon {
namespace {

enum class Op : std::uint64_t { Accept = 1, Send, Close, Watch };

std::uint64_t tag(Op op, unsigned index) noexcept {
  return (static_cast<std::uint64_t>(op) << 32) | index;
}
Op op_of(std::uint64_t data) noexcept { return static_cast<Op>(data >> 32); }
unsigned index_of(std::uint64_t data) noexcept { return static_cast<unsigned>(data & 0xffffffffU); }

// Room for every armed accept, every queued hand-off (two entries each) and
// the watch; completions get twice that, so the ring never overflows.
constexpr unsigned kEntries = 1024;
static_assert(AcceptRing::kAccepts + 2 * AcceptRing::kSends + 1 <= kEntries);

// Debian 12's liburing 2.3 declares io_uring_register_restrictions and
// io_uring_enable_rings but does not export them: the system call it is.
int ring_register(io_uring& ring, unsigned op, const void* arg, unsigned n) noexcept {
  const long rc = syscall(__NR_io_uring_register, ring.ring_fd, op, arg, n);
  return rc < 0 ? -errno : 0;
}

}  // namespace

std::unique_ptr<AcceptRing> AcceptRing::open(int listen_fd, int watch_fd, std::string& why) {
  std::unique_ptr<AcceptRing> r(new AcceptRing(listen_fd, watch_fd));
  io_uring_params p{};
  // Disabled until restricted; one thread submits, and completions' work
  // runs when it waits (fewer interruptions than the default).
  p.flags = IORING_SETUP_R_DISABLED | IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER |
            IORING_SETUP_DEFER_TASKRUN;
  p.cq_entries = 2 * kEntries;
  int rc = io_uring_queue_init_params(kEntries, &r->ring_, &p);
  if (rc == -EINVAL) {  // a kernel before 6.1
    p = io_uring_params{};
    p.flags = IORING_SETUP_R_DISABLED | IORING_SETUP_CQSIZE;
    p.cq_entries = 2 * kEntries;
    rc = io_uring_queue_init_params(kEntries, &r->ring_, &p);
  }
  if (rc < 0) {
    why = std::string("io_uring_setup: ") + std::strerror(-rc);
    return nullptr;
  }
  r->ring_ok_ = true;
  // What runs in the ring is not seen by seccomp: allow only what sbd uses.
  io_uring_restriction allow[5]{};
  const std::uint8_t ops[] = {IORING_OP_ACCEPT, IORING_OP_SENDMSG, IORING_OP_CLOSE,
                              IORING_OP_POLL_ADD};
  for (unsigned i = 0; i < 4; ++i) {
    allow[i].opcode = IORING_RESTRICTION_SQE_OP;
    allow[i].sqe_op = ops[i];
  }
  allow[4].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
  allow[4].sqe_flags = IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
  if ((rc = ring_register(r->ring_, IORING_REGISTER_RESTRICTIONS, allow, 5)) < 0 ||
      (rc = ring_register(r->ring_, IORING_REGISTER_ENABLE_RINGS, nullptr, 0)) < 0) {
    why = std::string("cannot restrict the io_uring: ") + std::strerror(-rc);
    return nullptr;
  }
  for (unsigned i = 0; i < kSends; ++i) r->free_[i] = static_cast<std::uint16_t>(kSends - 1 - i);
  r->free_count_ = kSends;
  r->arm_all();
  return r;
}

AcceptRing::~AcceptRing() {
  if (ring_ok_) io_uring_queue_exit(&ring_);
}

bool AcceptRing::arm_accept(unsigned i) noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) return false;
  AcceptSlot& a = accepts_[i];
  a.len = sizeof a.peer;
  // Not SOCK_NONBLOCK, as on the epoll path: the receiver shares the flag.
  io_uring_prep_accept(sqe, listen_fd_, reinterpret_cast<sockaddr*>(&a.peer), &a.len, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, tag(Op::Accept, i));
  a.armed = true;
  return true;
}

bool AcceptRing::arm_watch() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) return false;
  // One-shot, re-armed after each round of epoll handlers: arming checks
  // readiness at once, so a level-triggered event still pending is not
  // missed (epoll wakes pollers of its descriptor only for new events).
  io_uring_prep_poll_add(sqe, watch_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, tag(Op::Watch, 0));
  watch_armed_ = true;
  return true;
}

void AcceptRing::arm_all() noexcept {
  if (!accepts_paused_ && !probing_)
    for (unsigned i = 0; i < kAccepts; ++i)
      if (!accepts_[i].armed && !arm_accept(i)) break;
  if (!watch_armed_) arm_watch();
}

void AcceptRing::resume_accepts() noexcept {
  accepts_paused_ = false;
  // One accept first: were all armed at once, each would find the waiting
  // connection and fail the same way while descriptors are still short.
  probing_ = true;
  for (unsigned i = 0; i < kAccepts; ++i)
    if (!accepts_[i].armed) {
      arm_accept(i);
      return;
    }
  probing_ = false;
}

bool AcceptRing::queue_handoff(int via, int conn, std::uint32_t target,
                               const socketbox::table::Tuple& t) noexcept {
  if (!queueing_ || free_count_ == 0 || io_uring_sq_space_left(&ring_) < 2) return false;
  const unsigned i = free_[--free_count_];
  SendSlot& s = sends_[i];
  s.conn = conn;
  s.target = target;
  s.t = t;
  s.m.fill(nullptr, 0, conn, &kHandoffPayload, 1);
  io_uring_sqe* send = io_uring_get_sqe(&ring_);
  io_uring_prep_sendmsg(send, via, &s.m.msg, kOneFdSendFlags);
  io_uring_sqe_set_data64(send, tag(Op::Send, i));
  io_uring_sqe_set_flags(send, IOSQE_IO_LINK);  // the close runs only if the send did
  io_uring_sqe* close = io_uring_get_sqe(&ring_);
  io_uring_prep_close(close, conn);
  io_uring_sqe_set_data64(close, tag(Op::Close, i));
  io_uring_sqe_set_flags(close, IOSQE_CQE_SKIP_SUCCESS);
  ++in_flight_;
  return true;
}

SB_NO_VPTR_CHECK void AcceptRing::complete(const io_uring_cqe& cqe, AcceptEvents& h) noexcept {
  const unsigned i = index_of(cqe.user_data);
  switch (op_of(cqe.user_data)) {
    case Op::Accept: {
      AcceptSlot& a = accepts_[i];
      a.armed = false;
      if (cqe.res >= 0) {
        probing_ = false;  // descriptors are back: arm_all() arms the rest
        h.accepted(cqe.res, reinterpret_cast<const sockaddr*>(&a.peer));
      } else if (!h.accept_failed(-cqe.res)) {
        accepts_paused_ = true;
      }
      if (!accepts_paused_) arm_accept(i);
      break;
    }
    case Op::Send: {
      const SendSlot& s = sends_[i];
      --in_flight_;
      if (cqe.res >= 0) {
        h.handed_off(s.conn, s.target, s.t, 0);
      } else {
        // The linked close was cancelled: the handler tries again itself,
        // without the ring (a dead link is dropped and reconnected there).
        const bool q = queueing_;
        queueing_ = false;
        h.handed_off(s.conn, s.target, s.t, -cqe.res);
        queueing_ = q;
      }
      free_[free_count_++] = static_cast<std::uint16_t>(i);
      break;
    }
    case Op::Close:  // only failures post (ECANCELED after a failed send)
      break;
    case Op::Watch:
      watch_armed_ = false;
      watch_fired_ = true;
      break;
  }
}

void AcceptRing::reap(AcceptEvents& h) noexcept {
  unsigned head, n = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    complete(*cqe, h);
    ++n;
  }
  io_uring_cq_advance(&ring_, n);
}

void AcceptRing::settle(AcceptEvents& h) noexcept {
  queueing_ = false;
  // Bounded: nothing is queued meanwhile, and each hand-off completes
  // during the submit (MSG_DONTWAIT: a full receiver fails at once).
  for (int round = 0; in_flight_ > 0 && round < 64; ++round) {
    const int rc = io_uring_submit_and_wait(&ring_, 1);
    reap(h);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) break;
  }
  queueing_ = true;
}

SB_NO_VPTR_CHECK int AcceptRing::run_once(AcceptEvents& h) noexcept {
  arm_all();
  // The queued hand-offs complete during the submit; then sleep until one
  // more completion (a connection or the watch).
  const int rc = io_uring_submit_and_wait(&ring_, in_flight_ + 1);
  if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) return -rc;
  reap(h);
  if (watch_fired_) {
    watch_fired_ = false;
    settle(h);
    h.watch_ready();
    arm_watch();
  }
  return 0;
}

}  // namespace socketbox::daemon
