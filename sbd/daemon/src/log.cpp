#include "log.hpp"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "clock.hpp"
#include "rate_limiter.hpp"

namespace socketbox::daemon {
namespace {

RateLimiter g_conn_limiter{kConnErrorsPerSecond};

void vlog(const char* fmt, va_list ap) noexcept {
  char buf[1024];
  std::memcpy(buf, "sbd: ", 5);
  int n = std::vsnprintf(buf + 5, sizeof buf - 6, fmt, ap);
  if (n < 0) return;
  std::size_t len = 5 + (static_cast<std::size_t>(n) < sizeof buf - 6 ? static_cast<std::size_t>(n)
                                                                      : sizeof buf - 7);
  buf[len++] = '\n';
  // stderr may be a pipe to journald; a short or failed write is not worth
  // anything but dropping the line.
  [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, buf, len);
}

void suppressed_line(std::uint64_t n) noexcept {
  char buf[96];
  std::snprintf(buf, sizeof buf, "suppressed %llu messages", static_cast<unsigned long long>(n));
  log_line("%s", buf);
}

}  // namespace

void log_line(const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

void log_conn_error(const char* fmt, ...) noexcept {
  std::uint64_t suppressed = 0;
  const bool ok = g_conn_limiter.allow(monotonic_ms(), suppressed);
  if (suppressed) suppressed_line(suppressed);
  if (!ok) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

void log_flush_suppressed() noexcept {
  if (const std::uint64_t n = g_conn_limiter.take_suppressed()) suppressed_line(n);
}

}  // namespace socketbox::daemon
