// Writes a Table back as table text that parse_table() reads to an equal
// table (and that the original socketbox reads, sizes and counts included).
#pragma once

#include <string>

#include "socketbox/table/table.hpp"

namespace socketbox::table {

std::string format_action(const Table& t, const Action& a);
std::string format_table(const Table& t);

}  // namespace socketbox::table
