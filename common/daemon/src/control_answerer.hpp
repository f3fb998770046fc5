// What a control socket asks its daemon: one command line in (without its
// newline), one line of JSON out (without the newline), now or later. May
// throw; the control server then drops that client.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace socketbox::daemon {

struct ControlAnswer {
  std::string text;        // the line, without its newline
  std::uint64_t wait = 0;  // != 0: no text yet; ControlServer::complete(wait, ...) answers it
};

class ControlAnswerer {
 public:
  virtual ~ControlAnswerer() = default;
  virtual ControlAnswer answer_line(std::string_view line) = 0;
};

}  // namespace socketbox::daemon
