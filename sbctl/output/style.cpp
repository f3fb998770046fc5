#include "output/style.hpp"

#include <unistd.h>

#include <cstdlib>

namespace socketbox::sbctl {

Style::Style(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  color_ = ::isatty(::fileno(stream)) == 1 && (no_color == nullptr || *no_color == '\0');
}

std::string Style::paint(std::string_view text, Color c) const {
  if (!color_ || c == Color::None) return std::string(text);
  const char* code = "";
  switch (c) {
    case Color::Red:
      code = "31";
      break;
    case Color::Green:
      code = "32";
      break;
    case Color::Yellow:
      code = "33";
      break;
    case Color::Cyan:
      code = "36";
      break;
    case Color::Bold:
      code = "1";
      break;
    case Color::Dim:
      code = "2";
      break;
    case Color::None:
      break;
  }
  return "\033[" + std::string(code) + "m" + std::string(text) + "\033[0m";
}

const Style& out_style() {
  static const Style s(stdout);
  return s;
}

const Style& err_style() {
  static const Style s(stderr);
  return s;
}

void print_error(const std::string& message) {
  std::fprintf(stderr, "sbctl: %s %s\n", err_style().paint("error:", Color::Red).c_str(),
               message.c_str());
}

void print_warning(const std::string& message) {
  std::fprintf(stderr, "sbctl: %s %s\n", err_style().paint("warning:", Color::Yellow).c_str(),
               message.c_str());
}

void print_located(const std::string& line) {
  std::string out = line;
  for (const auto& [word, color] :
       {std::pair{": error: ", Color::Red}, std::pair{": warning: ", Color::Yellow}}) {
    const auto at = out.find(word);
    if (at != std::string::npos) {
      const std::string sev(word + 2, std::char_traits<char>::length(word) - 3);
      out = out.substr(0, at) + ": " + err_style().paint(sev, color) + " " +
            out.substr(at + std::char_traits<char>::length(word));
      break;
    }
  }
  std::fprintf(stderr, "%s\n", out.c_str());
}

}  // namespace socketbox::sbctl
