// Allows at most N events per one-second window and counts the rest, so a
// flood of per-connection errors cannot flood the log.
#pragma once

#include <cstdint>

namespace socketbox::daemon {

class RateLimiter {
 public:
  explicit RateLimiter(std::uint32_t per_second) noexcept : limit_(per_second) {}

  // True if an event at `now_ms` may be logged. When a new window starts
  // after events were suppressed, `suppressed` receives their number (the
  // caller reports it first); otherwise it is set to 0.
  bool allow(std::uint64_t now_ms, std::uint64_t& suppressed) noexcept;

  // Takes the number suppressed so far (e.g. at exit), resetting it.
  std::uint64_t take_suppressed() noexcept;

 private:
  std::uint32_t limit_;
  std::uint32_t used_ = 0;
  bool started_ = false;
  std::uint64_t window_start_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace socketbox::daemon
