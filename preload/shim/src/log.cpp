#include "log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace socketbox::preload {

void log_line(const char* fmt, ...) noexcept {
  int saved = errno;
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "sb-preload[%d]: ", static_cast<int>(::getpid()));
  va_list ap;
  va_start(ap, fmt);
  int m = std::vsnprintf(buf + n, sizeof buf - static_cast<size_t>(n) - 1, fmt, ap);
  va_end(ap);
  size_t len = static_cast<size_t>(n) + (m < 0 ? 0 : static_cast<size_t>(m));
  if (len > sizeof buf - 2) len = sizeof buf - 2;
  buf[len++] = '\n';
  ssize_t ignored = ::write(STDERR_FILENO, buf, len);
  (void)ignored;
  errno = saved;
}

const char* error_name(int err) noexcept {
  const char* s = ::strerrordesc_np(err);
  return s ? s : "unknown error";
}

}  // namespace socketbox::preload
