// Where something was written in a profile, and the error type that carries
// it. Every message reads "FILE:LINE:COL: error: message", as compilers do.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace socketbox::sbctl {

struct Pos {
  std::uint32_t line = 0;    // 1-based; 0 = not written in the profile (a default)
  std::uint32_t column = 0;  // 1-based
  friend bool operator==(const Pos&, const Pos&) = default;
};

// "FILE:LINE:COL: SEVERITY: message" (FILE alone when the position is unknown).
std::string located(const std::string& file, Pos pos, const std::string& severity,
                    const std::string& message);

// One problem found in a profile.
struct Problem {
  Pos pos;
  std::string message;
};

// Every problem found in a profile, in file order. what() is their lines
// joined by newlines; pos() and message() are the first one's.
class ProfileError : public std::runtime_error {
 public:
  ProfileError(std::string file, Pos pos, const std::string& message);
  // `problems` must not be empty; they are sorted into file order here.
  ProfileError(std::string file, std::vector<Problem> problems);
  const std::string& file() const noexcept { return file_; }
  Pos pos() const noexcept { return problems_.front().pos; }
  const std::string& message() const noexcept { return problems_.front().message; }
  const std::vector<Problem>& problems() const noexcept { return problems_; }
  // The "FILE:LINE:COL: error: message" line of each problem.
  std::vector<std::string> lines() const;

 private:
  ProfileError(std::string file, std::vector<Problem> sorted, int);
  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace socketbox::sbctl
