#include "profile/position.hpp"

#include <algorithm>

namespace socketbox::sbctl {

std::string located(const std::string& file, Pos pos, const std::string& severity,
                    const std::string& message) {
  std::string out = file;
  if (pos.line != 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return out + ": " + severity + ": " + message;
}

namespace {

std::vector<Problem> in_file_order(std::vector<Problem> v) {
  std::stable_sort(v.begin(), v.end(), [](const Problem& a, const Problem& b) {
    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
  });
  return v;
}

std::string joined(const std::string& file, const std::vector<Problem>& v) {
  std::string out;
  for (const Problem& p : v)
    out += (out.empty() ? "" : "\n") + located(file, p.pos, "error", p.message);
  return out;
}

}  // namespace

ProfileError::ProfileError(std::string file, Pos pos, const std::string& message)
    : ProfileError(std::move(file), std::vector<Problem>{{pos, message}}) {}

ProfileError::ProfileError(std::string file, std::vector<Problem> problems)
    : ProfileError(std::move(file), in_file_order(std::move(problems)), 0) {}

ProfileError::ProfileError(std::string file, std::vector<Problem> sorted, int)
    : std::runtime_error(joined(file, sorted)),
      file_(std::move(file)),
      problems_(std::move(sorted)) {}

std::vector<std::string> ProfileError::lines() const {
  std::vector<std::string> out;
  for (const Problem& p : problems_) out.push_back(located(file_, p.pos, "error", p.message));
  return out;
}

}  // namespace socketbox::sbctl
