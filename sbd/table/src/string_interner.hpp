// Numbers distinct strings 0, 1, 2, ... in order of first sight, in
// expected constant time per string: the parser's index of jump-unix paths.
// Open addressing over flat arrays (no node per string), because a table can
// hold millions of distinct paths and a node-based map spent most of the
// load time allocating, chasing and freeing nodes.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace socketbox::table {

class StringInterner {
 public:
  // The number of s and whether it is new. The viewed bytes must outlive
  // the interner (the parser's views point into the table text).
  std::pair<std::uint32_t, bool> intern(std::string_view s) {
    if (slots_.size() < 2 * (keys_.size() + 1)) grow();
    const std::uint64_t h = std::hash<std::string_view>{}(s);
    std::size_t i = h & mask_;
    while (slots_[i] != 0) {
      const std::uint32_t k = slots_[i] - 1;
      if (hashes_[k] == h && keys_[k] == s) return {k, false};
      i = (i + 1) & mask_;
    }
    const auto k = static_cast<std::uint32_t>(keys_.size());
    slots_[i] = k + 1;
    keys_.push_back(s);
    hashes_.push_back(h);
    return {k, true};
  }

 private:
  void grow() {
    const std::size_t cap = slots_.empty() ? 64 : slots_.size() * 2;
    slots_.assign(cap, 0);
    mask_ = cap - 1;
    for (std::size_t k = 0; k < keys_.size(); ++k) {
      std::size_t i = hashes_[k] & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = static_cast<std::uint32_t>(k + 1);
    }
  }

  std::vector<std::string_view> keys_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> slots_;  // 0 = empty, else key number + 1
  std::size_t mask_ = 0;
};

}  // namespace socketbox::table
