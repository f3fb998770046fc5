// One direction of a relayed connection: bytes move from a socket into a
// pipe and from the pipe into the other socket with splice(2), never through
// user space. The pipe is the only buffer: while it is full the source is not
// read, so a slow reader holds back a fast writer (TCP flow control does the
// rest). On EOF from the source, once the pipe is drained, the destination
// gets shutdown(SHUT_WR), so half-closed connections work both ways.
#pragma once

#include <cstddef>
#include <cstdint>

#include "socketbox/unique_fd.hpp"

namespace socketbox::relay {

class SplicePump {
 public:
  enum class Step { kIdle, kProgress, kError };

  // Creates the pipe. False with errno on failure.
  bool open() noexcept;
  void close() noexcept;

  // Moves what it can from `from` to `to` without blocking. kProgress if any
  // byte moved or EOF was seen, kIdle if both sides would block, kError on a
  // socket error (errno set). `moved` receives the bytes written to `to`.
  Step step(int from, int to, std::uint64_t& moved) noexcept;

  bool done() const noexcept { return shut_; }  // EOF passed on
  bool eof() const noexcept { return eof_; }
  std::size_t queued() const noexcept { return queued_; }

 private:
  UniqueFd r_, w_;
  std::size_t queued_ = 0;  // bytes in the pipe
  bool eof_ = false, shut_ = false;
};

}  // namespace socketbox::relay
