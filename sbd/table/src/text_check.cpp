#include "socketbox/table/text_check.hpp"

#include <sys/un.h>

#include <cstdio>

namespace socketbox::table {
namespace {

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", c);
  return buf;
}

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) return 0;
  return n;
}

}  // namespace

std::optional<TextProblem> check_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return TextProblem{i, "a NUL byte"};
    if (c < 0x20 || c == 0x7f) return TextProblem{i, "control byte " + hex_byte(c)};
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(s, i);
    if (n == 0) return TextProblem{i, "invalid UTF-8 (byte " + hex_byte(c) + ")"};
    i += n;
  }
  return std::nullopt;
}

std::optional<TextProblem> check_socket_path(std::string_view path) {
  constexpr std::size_t kMax = sizeof(sockaddr_un::sun_path) - 1;  // room for the NUL
  if (path.empty()) return TextProblem{0, "socket path is empty"};
  if (auto p = check_text(path)) {
    p->what = "socket path contains " + p->what + "; paths must be printable UTF-8";
    return p;
  }
  if (path.size() > kMax)
    return TextProblem{0, "socket path is " + std::to_string(path.size()) + " bytes; at most " +
                              std::to_string(kMax) + " fit in a Unix socket address"};
  return std::nullopt;
}

}  // namespace socketbox::table
