// Reads the socketbox table format (compatible with the original socketbox).
// Errors carry file, line and column, and say what was expected.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "socketbox/table/table.hpp"

namespace socketbox::table {

class ParseError : public std::runtime_error {
 public:
  ParseError(std::string file, std::uint32_t line, std::uint32_t column,
             const std::string& message);
  const std::string& file() const noexcept { return file_; }
  std::uint32_t line() const noexcept { return line_; }
  std::uint32_t column() const noexcept { return column_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  std::uint32_t line_, column_;
  std::string message_;
};

// Parses table text. `source` names it in error messages ("file:line:col: ...").
// Throws ParseError. Rejects jumps to undefined sets and jump loops.
Table parse_table(std::string_view text, std::string_view source = "<table>");

// Reads and parses a file. Throws ParseError (also for an unreadable file,
// with line 0).
Table load_table_file(const std::string& path);

}  // namespace socketbox::table
