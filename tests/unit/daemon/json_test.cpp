#include <catch2/catch.hpp>

#include "socketbox/json_quote.hpp"

using socketbox::json_quote;

TEST_CASE("json_quote escapes what JSON requires") {
  CHECK(json_quote("") == "\"\"");
  CHECK(json_quote("/run/a.sock") == "\"/run/a.sock\"");
  CHECK(json_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_quote("l1\nl2\r\t") == "\"l1\\nl2\\r\\t\"");
  CHECK(json_quote(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(json_quote(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
  CHECK(json_quote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // UTF-8 passes through
}
