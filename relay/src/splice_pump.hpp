// One direction of a relayed connection: bytes move from a socket into a
// pipe and from the pipe into the other socket with splice(2), never through
// user space. The pipe is the only buffer: while it is full the source is not
// read, so a slow reader holds back a fast writer (TCP flow control does the
// rest). On EOF from the source, once the pipe is drained, the destination
// gets shutdown(SHUT_WR), so half-closed connections work both ways.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "socketbox/unique_fd.hpp"

namespace socketbox::relay {

// Empty pipes kept for the next connections: a pipe2() and two close()
// saved per direction of a relayed connection. Only pipes known to be empty
// come back, so no byte of one connection can reach another. Bounded, and
// emptied once no connection has taken a pipe for a while, so an idle relay
// holds no extra descriptors.
class PipePool {
 public:
  static constexpr std::size_t kMaxPipes = 256;
  static constexpr unsigned kIdleTicks = 10;  // on_tick()s without a take

  PipePool() { free_.reserve(kMaxPipes); }
  // A pipe from the pool or a new one. False with errno on failure.
  bool take(UniqueFd& r, UniqueFd& w) noexcept;
  // Keeps the (empty) pipe if there is room, else closes it.
  void give(UniqueFd& r, UniqueFd& w) noexcept;
  void on_tick() noexcept;
  std::size_t size() const noexcept { return free_.size(); }

 private:
  struct Pipe {
    UniqueFd r, w;
  };
  std::vector<Pipe> free_;
  unsigned idle_ticks_ = 0;
};

class SplicePump {
 public:
  enum class Step { kIdle, kProgress, kError };

  // Takes a pipe from `pool`. False with errno on failure.
  bool open(PipePool& pool) noexcept;
  // Gives the pipe back to `pool` if it is empty, else closes it.
  void close(PipePool& pool) noexcept;

  // Moves what it can from `from` to `to` without blocking. kProgress if any
  // byte moved or EOF was seen, kIdle if both sides would block, kError on a
  // socket error (errno set). `moved` receives the bytes written to `to`.
  // `closing`: `to` is closed as soon as this direction is done (the other
  // one is), and close() sends the FIN, so the shutdown() is skipped.
  Step step(int from, int to, std::uint64_t& moved, bool closing = false) noexcept;

  bool done() const noexcept { return shut_; }  // EOF passed on
  bool eof() const noexcept { return eof_; }
  std::size_t queued() const noexcept { return queued_; }

 private:
  UniqueFd r_, w_;
  std::size_t queued_ = 0;  // bytes in the pipe
  bool eof_ = false, shut_ = false;
};

}  // namespace socketbox::relay
