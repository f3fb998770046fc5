#include "socketbox/table/rule_index.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <tuple>

#include "socketbox/table/table.hpp"
#include "tuple_hash.hpp"

namespace socketbox::table {
namespace {

struct Shape {
  Addr lip_mask, rip_mask;
  std::uint32_t port_mask = 0;
  friend auto operator<=>(const Shape&, const Shape&) = default;
};

std::uint32_t ports_of(std::uint16_t lport, std::uint16_t rport) noexcept {
  return std::uint32_t{lport} << 16 | rport;
}

std::uint32_t port_mask_of(const Rule& r) noexcept {
  return (r.match_lport ? 0xffff0000u : 0u) | (r.match_rport ? 0x0000ffffu : 0u);
}

// A rule whose address has bits outside its mask matches nothing
// (Rule::matches compares the masked tuple with it); hand-built tables can
// hold such rules.
bool can_match(const Rule& r) noexcept {
  return (r.lip & r.lip_mask) == r.lip && (r.rip & r.rip_mask) == r.rip;
}

}  // namespace

void RuleIndex::build(const std::vector<Rule>& rules) {
  groups_.clear();
  slots_.clear();
  scanned_.clear();
  rules_ = rules.size();
  built_ = true;
  scan_all_ = rules.size() <= kScanMaxRules;
  if (scan_all_) {
    groups_.shrink_to_fit();
    slots_.shrink_to_fit();
    scanned_.shrink_to_fit();
    return;
  }

  std::map<Shape, std::vector<std::uint32_t>> by_shape;  // rule indexes, ascending
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    if (can_match(r))
      by_shape[{r.lip_mask, r.rip_mask, port_mask_of(r)}].push_back(static_cast<std::uint32_t>(i));
  }

  for (const auto& [shape, members] : by_shape) {
    if (members.size() < kMinHashedShape) {
      scanned_.insert(scanned_.end(), members.begin(), members.end());
      continue;
    }
    // Load at most 1/2: a lookup that misses a shape (the common case) walks
    // to an empty slot, 2.5 slots on average at that load.
    std::size_t size = 2;
    while (size < 2 * members.size()) size *= 2;
    Group g;
    g.lip_mask = shape.lip_mask;
    g.rip_mask = shape.rip_mask;
    g.port_mask = shape.port_mask;
    g.min_rule = members.front();
    g.first = static_cast<std::uint32_t>(slots_.size());
    g.size = static_cast<std::uint32_t>(size);
    g.shift = static_cast<std::uint32_t>(64 - std::countr_zero(size));
    g.hashed = true;
    slots_.resize(slots_.size() + size);
    Slot* base = slots_.data() + g.first;
    for (const std::uint32_t i : members) {
      const Rule& r = rules[i];
      Slot k{r.lip, r.rip, ports_of(r.lport, r.rport) & g.port_mask, i + 1};
      std::uint64_t s = detail::hash_tuple(k.lip, k.rip, k.ports) >> g.shift;
      // Members come in rule order, so a key already present keeps the
      // earlier (winning) rule.
      while (base[s].rule != 0 &&
             !(base[s].lip == k.lip && base[s].rip == k.rip && base[s].ports == k.ports))
        s = (s + 1) & (size - 1);
      if (base[s].rule == 0) base[s] = k;
    }
    groups_.push_back(g);
  }
  if (!scanned_.empty()) {
    std::sort(scanned_.begin(), scanned_.end());
    Group g;
    g.min_rule = scanned_.front();
    g.size = static_cast<std::uint32_t>(scanned_.size());
    groups_.push_back(g);
  }
  std::sort(groups_.begin(), groups_.end(),
            [](const Group& a, const Group& b) { return a.min_rule < b.min_rule; });
  groups_.shrink_to_fit();
  slots_.shrink_to_fit();
  scanned_.shrink_to_fit();
}

long RuleIndex::find(const std::vector<Rule>& rules, const Tuple& t) const noexcept {
  if (scan_all_) {
    for (std::size_t i = 0; i < rules.size(); ++i)
      if (rules[i].matches(t)) return static_cast<long>(i);
    return -1;
  }
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t best = kNone;
  const std::uint32_t tports = ports_of(t.lport, t.rport);
  for (const Group& g : groups_) {
    // Every rule of this group and the ones after comes after `best`.
    if (g.min_rule >= best) break;
    if (!g.hashed) {
      for (std::uint32_t k = 0; k < g.size; ++k) {
        const std::uint32_t i = scanned_[g.first + k];
        if (i >= best) break;
        if (rules[i].matches(t)) {
          best = i;
          break;
        }
      }
      continue;
    }
    const Addr l = t.local & g.lip_mask;
    const Addr r = t.remote & g.rip_mask;
    const std::uint32_t p = tports & g.port_mask;
    const Slot* base = slots_.data() + g.first;
    const std::uint64_t mask = g.size - 1;
    for (std::uint64_t s = detail::hash_tuple(l, r, p) >> g.shift;; s = (s + 1) & mask) {
      const Slot& slot = base[s];
      if (slot.rule == 0) break;
      if (slot.lip == l && slot.rip == r && slot.ports == p) {
        best = std::min(best, slot.rule - 1);
        break;
      }
    }
  }
  return best == kNone ? -1 : static_cast<long>(best);
}

}  // namespace socketbox::table
