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
const char* g_program = "sbd";

void vlog(const char* fmt, va_list ap) noexcept {
  char buf[1024];
  const int p = std::snprintf(buf, 64, "%s: ", g_program);
  if (p < 0) return;
  const std::size_t pre = static_cast<std::size_t>(p) < 64 ? static_cast<std::size_t>(p) : 63;
  int n = std::vsnprintf(buf + pre, sizeof buf - pre - 1, fmt, ap);
  if (n < 0) return;
  std::size_t len =
      pre + (static_cast<std::size_t>(n) < sizeof buf - pre - 1 ? static_cast<std::size_t>(n)
                                                                : sizeof buf - pre - 2);
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

void set_log_program(const char* name) noexcept { g_program = name; }

void log_line(const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

bool log_conn_error_due() noexcept {
  std::uint64_t suppressed = 0;
  const bool ok = g_conn_limiter.allow(monotonic_ms(), suppressed);
  if (suppressed) suppressed_line(suppressed);
  return ok;
}

void log_conn_error(const char* fmt, ...) noexcept {
  if (!log_conn_error_due()) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(fmt, ap);
  va_end(ap);
}

void log_flush_suppressed() noexcept {
  if (const std::uint64_t n = g_conn_limiter.take_suppressed()) suppressed_line(n);
}

}  // namespace socketbox::daemon
