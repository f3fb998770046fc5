// One line on stderr per event, written with a single write(2) so lines of
// concurrent processes do not interleave. Never allocates.
#pragma once

namespace socketbox::preload {

void log_line(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));

// strerror without locale lookups or allocation.
const char* error_name(int err) noexcept;

}  // namespace socketbox::preload
