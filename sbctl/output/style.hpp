// Colour for terminals: only when the stream is a tty and NO_COLOR is unset
// (https://no-color.org), so pipes and scripts get plain text.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace socketbox::sbctl {

enum class Color { None, Red, Green, Yellow, Cyan, Bold, Dim };

class Style {
 public:
  explicit Style(std::FILE* stream);
  explicit Style(bool color) : color_(color) {}
  bool color() const noexcept { return color_; }
  std::string paint(std::string_view text, Color c) const;

 private:
  bool color_ = false;
};

// The shared styles of standard output and standard error.
const Style& out_style();
const Style& err_style();

// "sbctl: error: ..." / "sbctl: warning: ..." on stderr.
void print_error(const std::string& message);
void print_warning(const std::string& message);
// A message already in "FILE:L:C: error: ..." form, with its severity painted.
void print_located(const std::string& line);

}  // namespace socketbox::sbctl
