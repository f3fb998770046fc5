// Just enough JSON writing for --json output: strings escaped, and an
// object/array builder that keeps commas right.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "socketbox/json_quote.hpp"

namespace socketbox::sbctl {

using socketbox::json_quote;  // one definition: socketbox/json_quote.hpp

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(bool b);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // an already-encoded value
  const std::string& str() const noexcept { return out_; }

 private:
  void comma();
  std::string out_;
  bool need_comma_ = false;
};

}  // namespace socketbox::sbctl
