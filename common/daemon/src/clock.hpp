// Monotonic milliseconds, for deadlines, uptime and rate limits.
#pragma once

#include <time.h>

#include <cstdint>

namespace socketbox::daemon {

inline std::uint64_t monotonic_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

}  // namespace socketbox::daemon
