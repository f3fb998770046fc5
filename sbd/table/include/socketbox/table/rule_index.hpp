// A rule set compiled for lookup: tuple-space search. Rules are grouped by
// shape (local mask, remote mask, whether each port is matched); each shape
// with enough rules gets one open-addressing hash keyed by the masked tuple,
// holding the lowest rule index per key. A lookup probes the shapes in order
// of their lowest rule index and stops as soon as the best match found so far
// comes before every rule of the shapes left, so first match wins exactly as
// in a scan. Its cost grows with the number of shapes, not of rules. Rules of
// shapes too small to be worth a hash, and whole sets of up to
// kScanMaxRules rules, are scanned as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "socketbox/table/address.hpp"

namespace socketbox::table {

struct Rule;

class RuleIndex {
 public:
  // Sets of up to this many rules are scanned: that beats any hashing.
  static constexpr std::size_t kScanMaxRules = 16;
  // A shape with fewer rules joins the scanned rest: one probe costs about
  // as much as comparing this many rules.
  static constexpr std::size_t kMinHashedShape = 8;

  // Compiles `rules`, replacing what was built before.
  void build(const std::vector<Rule>& rules);

  // Whether build() was last given exactly `rules` rules. An index built for
  // another count is never used (see RuleSet::index).
  bool built_for(std::size_t rules) const noexcept { return built_ && rules_ == rules; }

  // Index of the first rule matching t, or -1. `rules` must be the vector
  // the index was built from, unchanged since.
  long find(const std::vector<Rule>& rules, const Tuple& t) const noexcept;

  std::size_t shapes() const noexcept { return groups_.size(); }

 private:
  struct Slot {
    Addr lip, rip;
    std::uint32_t ports = 0;  // lport << 16 | rport, each 0 when not matched
    std::uint32_t rule = 0;   // rule index + 1; 0 = empty slot
  };
  // One hashed shape, or (hashed = false) the scanned rest.
  struct Group {
    Addr lip_mask, rip_mask;
    std::uint32_t port_mask = 0;  // which halves of Slot::ports the shape matches
    std::uint32_t min_rule = 0;   // lowest rule index in the group
    std::uint32_t first = 0;      // first slot, or first entry of scanned_
    std::uint32_t size = 0;       // slots (a power of two), or scanned rules
    std::uint32_t shift = 0;      // 64 - log2(size): hash's top bits pick a slot
    bool hashed = false;
  };
  std::vector<Group> groups_;           // by min_rule
  std::vector<Slot> slots_;             // every shape's table, back to back
  std::vector<std::uint32_t> scanned_;  // rule indexes, ascending
  std::size_t rules_ = 0;
  bool built_ = false;
  bool scan_all_ = false;
};

}  // namespace socketbox::table
