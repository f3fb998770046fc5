// Writes a Table as table text that parse_table() reads to an equal table
// (and that the original socketbox reads, sizes and counts included). This is
// the one writer of the format: sbctl's compiler builds a Table and formats
// it here, with TableNotes for its comments.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "socketbox/table/table.hpp"

namespace socketbox::table {

// Comments for one written rule or map entry, and a tag that the caller gets
// back for the line (sbctl: the profile route it came from).
struct LineNote {
  std::string before;    // a comment line above it; "" = none
  std::string trailing;  // a comment at its end; "" = none
  long tag = -1;
};

// What format_table() adds to the bare table. Comment texts are given
// without the leading "# ". Vectors are indexed like the table's (dense)
// sets and their rules or entries; missing elements mean no note.
struct TableNotes {
  std::vector<std::string> header;             // comment lines at the top
  std::vector<std::string> rule_set_comment;   // above each rule set's header
  std::vector<std::string> map_set_comment;    // above each map set's header
  std::vector<std::vector<LineNote>> rules;    // [rule set][rule]
  std::vector<std::vector<LineNote>> entries;  // [map set][entry]
  struct SetRef {
    bool map = false;
    std::size_t index = 0;
  };
  // The order sets are written in; empty = every rule set, then every map set.
  std::vector<SetRef> order;
};

struct WrittenTable {
  std::string text;
  std::vector<long> tag_of_line;  // [line number - 1]; -1 for untagged lines
};

std::string format_action(const Table& t, const Action& a);
WrittenTable format_table(const Table& t, const TableNotes& notes);
std::string format_table(const Table& t);

}  // namespace socketbox::table
