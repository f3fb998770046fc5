// Aligned columns for terminal output; colour is applied after padding so
// escape codes do not disturb the alignment.
#pragma once

#include <string>
#include <vector>

#include "output/style.hpp"

namespace socketbox::sbctl {

struct Cell {
  std::string text;
  Color color = Color::None;
  Cell(std::string t, Color c = Color::None)
      : text(std::move(t)), color(c) {}                              // NOLINT: implicit on purpose
  Cell(const char* t, Color c = Color::None) : text(t), color(c) {}  // NOLINT
};

class TextTable {
 public:
  void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  bool empty() const noexcept { return rows_.empty(); }
  // Columns separated by two spaces; the last column is not padded.
  std::string render(const Style& style, const std::string& indent = "") const;

 private:
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace socketbox::sbctl
