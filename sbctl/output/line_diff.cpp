#include "output/line_diff.hpp"

#include <algorithm>

namespace socketbox::sbctl {
namespace {

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct Edit {
  char op;           // ' ', '-', '+'
  std::size_t a, b;  // line index in old / new
};

// Longest common subsequence on lines after trimming the common head and
// tail; a table's changes are usually few and local. Very large changed
// middles fall back to "all old lines out, all new lines in".
std::vector<Edit> edits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;
  const std::size_t n = a.size() - head - tail, m = b.size() - head - tail;
  std::vector<Edit> out;
  for (std::size_t i = 0; i < head; ++i) out.push_back({' ', i, i});
  if (n * m <= 4'000'000) {
    std::vector<std::vector<std::uint32_t>> L(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        L[i][j] =
            a[head + i] == b[head + j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        out.push_back({' ', head + i++, head + j++});
      } else if (i < n && (j == m || L[i + 1][j] >= L[i][j + 1])) {
        out.push_back({'-', head + i++, head + j});  // removals first, as diff -u
      } else {
        out.push_back({'+', head + i, head + j++});
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) out.push_back({'-', head + i, head});
    for (std::size_t j = 0; j < m; ++j) out.push_back({'+', head + n, head + j});
  }
  for (std::size_t k = 0; k < tail; ++k) out.push_back({' ', head + n + k, head + m + k});
  return out;
}

}  // namespace

std::vector<std::string> unified_diff(const std::string& old_text, const std::string& new_text,
                                      std::size_t context) {
  const auto a = split_lines(old_text), b = split_lines(new_text);
  const auto e = edits(a, b);
  std::vector<std::string> out;
  std::size_t k = 0;
  while (k < e.size()) {
    if (e[k].op == ' ') {
      ++k;
      continue;
    }
    // A hunk: back up for context, then run until `2 * context` unchanged lines.
    const std::size_t start = k >= context ? k - context : 0;
    std::size_t end = k;
    std::size_t quiet = 0;
    while (end < e.size() && quiet <= 2 * context) {
      quiet = e[end].op == ' ' ? quiet + 1 : 0;
      ++end;
    }
    if (quiet > context) end -= quiet - context;
    std::size_t old_n = 0, new_n = 0;
    for (std::size_t x = start; x < end; ++x) {
      old_n += e[x].op != '+';
      new_n += e[x].op != '-';
    }
    out.push_back("@@ -" + std::to_string(e[start].a + (old_n ? 1 : 0)) + "," +
                  std::to_string(old_n) + " +" + std::to_string(e[start].b + (new_n ? 1 : 0)) +
                  "," + std::to_string(new_n) + " @@");
    for (std::size_t x = start; x < end; ++x)
      out.push_back(std::string(1, e[x].op) + (e[x].op == '+' ? b[e[x].b] : a[e[x].a]));
    k = end;
  }
  return out;
}

}  // namespace socketbox::sbctl
