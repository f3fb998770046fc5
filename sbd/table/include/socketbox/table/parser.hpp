// Reads the socketbox table format (compatible with the original socketbox).
// Errors carry file, line and column, and say what was expected.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "socketbox/table/limits.hpp"
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
// Throws ParseError. Rejects jumps to undefined sets, jump loops, chains of
// more than kMaxJumpChain jumps, text over limits.max_bytes, more than
// limits.max_entries entries, and words with NUL, control bytes or invalid
// UTF-8. Linear in the size of the text.
Table parse_table(std::string_view text, std::string_view source = "<table>",
                  const LoadLimits& limits = {});

// Reads (read_table_text() in table_file.hpp: regular files only, bounded)
// and parses a file. Throws ParseError; for the file as a whole (unreadable,
// not a regular file, too large) with line 0 and what() "PATH: MESSAGE".
Table load_table_file(const std::string& path, const LoadLimits& limits = {});

}  // namespace socketbox::table
