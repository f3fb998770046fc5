// A daemon's log: one line per event on stderr, prefixed with the program
// name ("sbd: " unless set_log_program says otherwise). Lines are
// formatted into a stack buffer and written with one write(2), so they never
// allocate and never interleave. Per-connection errors go through a rate
// limiter (at most kConnErrorsPerSecond lines a second, then one
// "suppressed K messages" line).
#pragma once

#include <cstdint>

namespace socketbox::daemon {

inline constexpr std::uint32_t kConnErrorsPerSecond = 10;

// Sets the prefix (a string literal: it is kept, not copied). Call before
// any line is logged.
void set_log_program(const char* name) noexcept;

void log_line(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));
void log_conn_error(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));
// Whether the limiter lets one more per-connection error line through now
// (counting it); for callers whose formatting costs more than the line, to
// skip it under a flood. Then write the line with log_line.
bool log_conn_error_due() noexcept;
// Reports messages the limiter is still holding back (at exit).
void log_flush_suppressed() noexcept;

}  // namespace socketbox::daemon
