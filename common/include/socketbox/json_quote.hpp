// JSON string literals, the one definition every side uses: sbd's and
// sb-relay's control answers, sbctl's --json output.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace socketbox {

// Appends `s` as a JSON string literal (with quotes) to out. Control
// characters (and DEL), quotes and backslashes are escaped; bytes >= 0x80
// pass through (table paths are validated as UTF-8 when they are loaded).
inline void json_escape(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

inline std::string json_quote(std::string_view s) {
  std::string out;
  json_escape(out, s);
  return out;
}

}  // namespace socketbox
