// What a control socket asks its daemon: one command line in (without its
// newline), one line of JSON out (without the newline), now or later. May
// throw; the control server then drops that client.
//
// A command may come with one descriptor (SCM_RIGHTS, sbd's `listener`):
// answer_line_with_fd gets it, and owns it. By default a daemon takes none:
// the descriptor is closed and the line answered as without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "socketbox/unique_fd.hpp"

namespace socketbox::daemon {

struct ControlAnswer {
  std::string text;        // the line, without its newline
  std::uint64_t wait = 0;  // != 0: no text yet; ControlServer::complete(wait, ...) answers it
};

class ControlAnswerer {
 public:
  virtual ~ControlAnswerer() = default;
  virtual ControlAnswer answer_line(std::string_view line) = 0;
  virtual ControlAnswer answer_line_with_fd(std::string_view line, UniqueFd fd) {
    fd.reset();
    return answer_line(line);
  }
};

}  // namespace socketbox::daemon
