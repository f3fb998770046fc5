#include "profile/position.hpp"

namespace socketbox::sbctl {

std::string located(const std::string& file, Pos pos, const std::string& severity,
                    const std::string& message) {
  std::string out = file;
  if (pos.line != 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return out + ": " + severity + ": " + message;
}

ProfileError::ProfileError(std::string file, Pos pos, const std::string& message)
    : std::runtime_error(located(file, pos, "error", message)),
      file_(std::move(file)),
      pos_(pos),
      message_(message) {}

}  // namespace socketbox::sbctl
