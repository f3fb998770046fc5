// A tiny JSON reader for sbd's one-line control answers. Numbers are kept as
// doubles (counters fit exactly up to 2^53).
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace socketbox::sbctl {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JsonValue {
  enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  // Member lookup on an object; a shared null value when absent.
  const JsonValue& operator[](const std::string& key) const;
  bool is_null() const noexcept { return type == Type::Null; }
  long long as_int(long long fallback = 0) const noexcept {
    return type == Type::Number ? static_cast<long long>(number) : fallback;
  }
  std::string as_string(const std::string& fallback = "") const {
    return type == Type::String ? string : fallback;
  }
};

// Throws JsonError with the offset of the problem.
JsonValue parse_json(std::string_view text);

}  // namespace socketbox::sbctl
