#include "rate_limiter.hpp"

namespace socketbox::daemon {

bool RateLimiter::allow(std::uint64_t now_ms, std::uint64_t& suppressed) noexcept {
  suppressed = 0;
  if (!started_ || now_ms >= window_start_ + 1000) {
    started_ = true;
    window_start_ = now_ms;
    used_ = 0;
    suppressed = suppressed_;
    suppressed_ = 0;
  }
  if (used_ < limit_) {
    ++used_;
    return true;
  }
  ++suppressed_;
  return false;
}

std::uint64_t RateLimiter::take_suppressed() noexcept {
  const std::uint64_t n = suppressed_;
  suppressed_ = 0;
  return n;
}

}  // namespace socketbox::daemon
