#include "output/text_table.hpp"

#include <algorithm>

namespace socketbox::sbctl {

std::string TextTable::render(const Style& style, const std::string& indent) const {
  std::vector<std::size_t> width;
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].text.size());
    }
  std::string out;
  for (const auto& row : rows_) {
    std::string line = indent;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += style.paint(row[i].text, row[i].color);
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].text.size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace socketbox::sbctl
