// The Prometheus text exposition format (version 0.0.4), the one definition
// every side uses: sbd's `metrics` control answer and sbctl's own metrics.
// Families are declared once (HELP and TYPE), then sampled; counters' names
// end in `_total`. The whole text ends with `# EOF`, a comment to 0.0.4
// parsers, so that a reader can tell a complete answer from a cut one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace socketbox {

// The content type to serve the text under (HTTP).
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kMetricsEnd = "# EOF\n";

// Appends `s` escaped as a label value (inside the quotes): backslash,
// double quote and line feed are escaped; everything else passes through.
inline void metrics_label_escape(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

// Appends `s` escaped as HELP text: backslash and line feed.
inline void metrics_help_escape(std::string& out, std::string_view s) {
  for (const char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

// True if `name` is a valid metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]*;
// label names without ':').
inline bool metrics_valid_name(std::string_view name, bool label = false) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c == ':' && !label);
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

class MetricsText {
 public:
  // Declares a family; `type` is "counter" or "gauge".
  MetricsText& family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    metrics_help_escape(out_, help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
    return *this;
  }
  // One sample without labels.
  MetricsText& sample(std::string_view name, std::uint64_t v) {
    return sample_text(name, {}, {}, {}, {}, std::to_string(v));
  }
  MetricsText& sample(std::string_view name, std::int64_t v) {
    return sample_text(name, {}, {}, {}, {}, std::to_string(v));
  }
  // One sample with one or two labels (l2 empty: one).
  MetricsText& sample(std::string_view name, std::string_view l1, std::string_view v1,
                      std::uint64_t v, std::string_view l2 = {}, std::string_view v2 = {}) {
    return sample_text(name, l1, v1, l2, v2, std::to_string(v));
  }
  // Appends text already in the format (e.g. sbd's answer without its # EOF).
  MetricsText& raw(std::string_view text) {
    out_ += text;
    return *this;
  }
  // The text, terminated by # EOF.
  std::string finish() {
    out_ += kMetricsEnd;
    return std::move(out_);
  }

 private:
  MetricsText& sample_text(std::string_view name, std::string_view l1, std::string_view v1,
                           std::string_view l2, std::string_view v2, const std::string& value) {
    out_ += name;
    if (!l1.empty()) {
      out_ += '{';
      label(l1, v1);
      if (!l2.empty()) {
        out_ += ',';
        label(l2, v2);
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
    return *this;
  }
  void label(std::string_view k, std::string_view v) {
    out_ += k;
    out_ += "=\"";
    metrics_label_escape(out_, v);
    out_ += '"';
  }
  std::string out_;
};

}  // namespace socketbox
