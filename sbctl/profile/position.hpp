// Where something was written in a profile, and the error type that carries
// it. Every message reads "FILE:LINE:COL: error: message", as compilers do.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace socketbox::sbctl {

struct Pos {
  std::uint32_t line = 0;    // 1-based; 0 = not written in the profile (a default)
  std::uint32_t column = 0;  // 1-based
  friend bool operator==(const Pos&, const Pos&) = default;
};

// "FILE:LINE:COL: SEVERITY: message" (FILE alone when the position is unknown).
std::string located(const std::string& file, Pos pos, const std::string& severity,
                    const std::string& message);

class ProfileError : public std::runtime_error {
 public:
  ProfileError(std::string file, Pos pos, const std::string& message);
  const std::string& file() const noexcept { return file_; }
  Pos pos() const noexcept { return pos_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  Pos pos_;
  std::string message_;
};

}  // namespace socketbox::sbctl
