// What a control socket asks its daemon: one command line in (without its
// newline), one line of JSON out (without the newline). May throw; the
// control server then drops that client.
#pragma once

#include <string>
#include <string_view>

namespace socketbox::daemon {

class ControlAnswerer {
 public:
  virtual ~ControlAnswerer() = default;
  virtual std::string answer_line(std::string_view line) = 0;
};

}  // namespace socketbox::daemon
