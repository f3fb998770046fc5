// The little JSON the control socket speaks, written by hand.
#pragma once

#include <string>
#include <string_view>

namespace socketbox::daemon {

// Appends `s` as a JSON string literal (with quotes) to out. Control
// characters, quotes and backslashes are escaped; bytes >= 0x80 pass through
// (paths are UTF-8 in practice; invalid UTF-8 is passed as is).
void json_escape(std::string& out, std::string_view s);
std::string json_quote(std::string_view s);

}  // namespace socketbox::daemon
