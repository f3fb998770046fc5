// Reading a table file safely: only a regular file, never more than the
// byte limit, never blocking. sbd (start, reload, --check) and sbctl (every
// place it reads an installed table) read tables only through here.
#pragma once

#include <optional>
#include <string>

#include "socketbox/table/limits.hpp"
#include "socketbox/table/parser.hpp"

namespace socketbox::table {

// The file's bytes. Opens with O_NONBLOCK (a FIFO cannot stall the caller)
// and refuses anything but a regular file ("PATH: is a FIFO, not a regular
// file"), a file larger than limits.max_bytes before reading it, and a file
// that grows past the limit while being read. Throws ParseError with line 0,
// whose what() is "PATH: MESSAGE".
std::string read_table_text(const std::string& path, const LoadLimits& limits = {});

// As read_table_text(), but nullopt if nothing exists at the path (ENOENT).
std::optional<std::string> read_table_text_if_exists(const std::string& path,
                                                     const LoadLimits& limits = {});

}  // namespace socketbox::table
