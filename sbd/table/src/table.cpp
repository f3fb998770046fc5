#include "socketbox/table/table.hpp"

#include <algorithm>
#include <cstring>

namespace socketbox::table {
namespace {

// splitmix64 finaliser: cheap and mixes every input bit into the slot index.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash_key(const MapKey& k) noexcept {
  std::uint64_t h = mix(k.local.hi ^ 0x9e3779b97f4a7c15ULL);
  h = mix(h ^ k.local.lo);
  h = mix(h ^ k.remote.hi);
  h = mix(h ^ k.remote.lo);
  return mix(h ^ (std::uint64_t{k.lport} << 16 | k.rport));
}

}  // namespace

MapKey MapSet::key_of(const Tuple& t) const noexcept {
  return {t.local & spec.lip_mask, t.remote & spec.rip_mask,
          spec.lport ? t.lport : std::uint16_t{0}, spec.rport ? t.rport : std::uint16_t{0}};
}

long MapSet::add(const Tuple& t, Action a, SourcePos p) {
  const MapKey k = key_of(t);
  // Before seal() the index may be stale; a linear duplicate check would be
  // quadratic at a million entries, so keep the index current while adding.
  if (slots_.size() < 2 * (keys_.size() + 1)) {
    std::size_t cap = slots_.empty() ? 16 : slots_.size() * 2;
    while (cap < 2 * (keys_.size() + 1)) cap *= 2;
    slots_.assign(cap, 0);
    slot_mask_ = cap - 1;
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      std::uint64_t s = hash_key(keys_[i]) & slot_mask_;
      while (slots_[s] != 0) s = (s + 1) & slot_mask_;
      slots_[s] = static_cast<std::uint32_t>(i + 1);
    }
  }
  std::uint64_t s = hash_key(k) & slot_mask_;
  while (slots_[s] != 0) {
    const std::uint32_t idx = slots_[s] - 1;
    if (keys_[idx] == k) return idx;
    s = (s + 1) & slot_mask_;
  }
  slots_[s] = static_cast<std::uint32_t>(keys_.size() + 1);
  keys_.push_back(k);
  actions_.push_back(a);
  positions_.push_back(p);
  return -1;
}

void MapSet::seal() {
  keys_.shrink_to_fit();
  actions_.shrink_to_fit();
  positions_.shrink_to_fit();
}

long MapSet::probe(const MapKey& k) const noexcept {
  if (slots_.empty()) return -1;
  std::uint64_t s = hash_key(k) & slot_mask_;
  while (slots_[s] != 0) {
    const std::uint32_t idx = slots_[s] - 1;
    if (keys_[idx] == k) return idx;
    s = (s + 1) & slot_mask_;
  }
  return -1;
}

long MapSet::find(const Tuple& t) const noexcept { return probe(key_of(t)); }

Action Table::lookup(const Tuple& t, Trace* trace, TraceStep* decided) const noexcept {
  if (rule_sets.empty()) return {};
  bool in_map = false;
  std::uint32_t set = 0;
  // kMaxJumpChain jumps visit kMaxJumpChain + 1 sets; the parser refuses
  // longer chains, so the loop only ends here for a hand-built table.
  for (std::uint32_t visit = 0; visit <= kMaxJumpChain; ++visit) {
    Action a;
    long entry = -1;
    SourcePos pos;
    std::uint32_t id;
    if (in_map) {
      const MapSet& m = map_sets[set];
      id = m.id;
      entry = m.find(t);
      a = entry >= 0 ? m.action(entry) : m.default_action;
      pos = entry >= 0 ? m.entry_pos(entry) : m.default_pos;
    } else {
      const RuleSet& r = rule_sets[set];
      id = r.id;
      a = r.default_action;
      pos = r.default_pos;
      for (std::size_t i = 0; i < r.rules.size(); ++i) {
        if (r.rules[i].matches(t)) {
          entry = static_cast<long>(i);
          a = r.rules[i].action;
          pos = r.rules[i].pos;
          break;
        }
      }
    }
    if (trace) {
      try {
        trace->steps.push_back({in_map, id, entry, pos, a});
      } catch (...) {
        // Tracing is best effort; the decision does not depend on it.
      }
    }
    switch (a.kind) {
      case ActionKind::JumpMap:
        in_map = true;
        set = a.arg;
        continue;
      case ActionKind::JumpRule:
        in_map = false;
        set = a.arg;
        continue;
      default:
        if (decided) *decided = {in_map, id, entry, pos, a};
        return a;
    }
  }
  return {};
}

namespace {

template <class Sets>
long index_by_id(const Sets& sets, std::uint32_t id) noexcept {
  const auto it = std::lower_bound(sets.begin(), sets.end(), id,
                                   [](const auto& s, std::uint32_t v) { return s.id < v; });
  return it != sets.end() && it->id == id ? static_cast<long>(it - sets.begin()) : -1;
}

}  // namespace

long Table::rule_set_index(std::uint32_t id) const noexcept { return index_by_id(rule_sets, id); }

long Table::map_set_index(std::uint32_t id) const noexcept { return index_by_id(map_sets, id); }

Target make_target(std::string_view path) {
  Target t;
  t.path = std::string(path);
  for (std::size_t i = 0; i < path.size() && !t.has_placeholders; ++i)
    t.has_placeholders = placeholder_at(path, i);
  return t;
}

std::size_t expand_path(const std::string& tmpl, const Tuple& t, char* out,
                        std::size_t cap) noexcept {
  std::size_t n = 0;
  const std::size_t len = tmpl.size();
  for (std::size_t i = 0; i < len;) {
    if (placeholder_at(tmpl, i)) {
      const unsigned v = tmpl[i + 3] == 'P' ? t.lport : t.local.group(tmpl[i + 3] - '0');
      if (n + 5 >= cap) return 0;
      unsigned rest = v;
      for (int d = 4; d >= 0; --d) {
        out[n + d] = static_cast<char>('0' + rest % 10);
        rest /= 10;
      }
      n += 5;
      i += 5;
      continue;
    }
    if (n + 1 >= cap) return 0;
    out[n++] = tmpl[i++];
  }
  out[n] = '\0';
  return n;
}

}  // namespace socketbox::table
