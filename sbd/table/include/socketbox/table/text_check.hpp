// Which bytes a table word (and so a socket path) may hold. Paths reach the
// kernel as C strings and the status JSON and logs as text, so a NUL would
// cut the path the kernel sees, a control byte could forge log lines, and
// invalid UTF-8 would make the status JSON invalid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socketbox::table {

struct TextProblem {
  std::size_t offset = 0;  // of the first offending byte
  std::string what;        // e.g. "a NUL byte", "control byte 0x1b", "invalid UTF-8 (byte 0xff)"
};

// The first byte that is NUL, another control byte (< 0x20 or 0x7f) or not
// part of well-formed UTF-8 (no overlong forms, surrogates or code points
// above U+10FFFF); nullopt if there is none.
std::optional<TextProblem> check_text(std::string_view s);

// A socket path's problem as one sentence (empty, longer than sockaddr_un
// holds, or bytes check_text() refuses), or nullopt if it is usable.
std::optional<TextProblem> check_socket_path(std::string_view path);

}  // namespace socketbox::table
