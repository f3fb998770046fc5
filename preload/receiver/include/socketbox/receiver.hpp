// Optional C++ RAII wrapper around the C receiver API (header only).
#pragma once

#include <utility>

#include "socketbox/receiver.h"

namespace socketbox {

class Receiver {
 public:
  Receiver() noexcept = default;
  // Check valid() (errno says why it is not).
  Receiver(const char* path, const sb_receiver_options& opts) noexcept
      : r_(sb_receiver_open(path, &opts)) {}
  Receiver(Receiver&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Receiver& operator=(Receiver&& o) noexcept {
    if (this != &o) {
      sb_receiver_close(r_);
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() { sb_receiver_close(r_); }

  bool valid() const noexcept { return r_ != nullptr; }
  int fd() const noexcept { return sb_receiver_fd(r_); }
  int accept(int flags = 0) noexcept { return sb_receiver_accept(r_, flags); }
  int accept_batch(int* fds, int max, int flags = 0) noexcept {
    return sb_receiver_accept_batch(r_, fds, max, flags);
  }
  size_t pending() const noexcept { return sb_receiver_pending(r_); }
  const sb_recv_stats& stats() const noexcept { return *sb_receiver_stats(r_); }

 private:
  sb_receiver* r_ = nullptr;
};

}  // namespace socketbox
