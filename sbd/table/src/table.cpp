#include "socketbox/table/table.hpp"

#include <algorithm>
#include <cstring>

#include "tuple_hash.hpp"

namespace socketbox::table {
namespace {

static_assert(sizeof(Action) <= 8,
              "MapSet::Entry packs key, action and line in 48 bytes; a larger Action costs "
              "every map entry");

std::uint64_t hash_key(const MapKey& k) noexcept {
  return detail::hash_tuple(k.local, k.remote, std::uint32_t{k.lport} << 16 | k.rport);
}

// Lowest rule index matching t, or -1: compiled when the index is current.
long first_match(const RuleSet& r, const Tuple& t) noexcept {
  if (r.index.built_for(r.rules.size())) return r.index.find(r.rules, t);
  for (std::size_t i = 0; i < r.rules.size(); ++i)
    if (r.rules[i].matches(t)) return static_cast<long>(i);
  return -1;
}

}  // namespace

MapKey MapSet::key_of(const Tuple& t) const noexcept {
  return {t.local & spec.lip_mask, t.remote & spec.rip_mask,
          spec.lport ? t.lport : std::uint16_t{0}, spec.rport ? t.rport : std::uint16_t{0}};
}

void MapSet::insert_slot(std::uint32_t index, std::uint64_t h) noexcept {
  const std::uint64_t mask = (std::uint64_t{1} << slot_bits_) - 1;
  // Truncation keeps the hash bits just below the slot-picking ones.
  const auto tag = static_cast<std::uint32_t>((h >> 32) << slot_bits_);
  std::uint64_t s = h >> (64 - slot_bits_);
  while (slots_[s] != 0) s = (s + 1) & mask;
  slots_[s] = tag | (index + 1);
}

void MapSet::rehash(std::size_t entries) {
  // A power of two at most 3/4 full; index+1 must fit the low slot_bits_
  // bits, which 32 always allows (entries < 2^32).
  std::uint32_t bits = 4;
  while (bits < 32 && (std::uint64_t{1} << bits) * 3 < entries * 4) ++bits;
  slot_bits_ = bits;
  slots_.assign(std::size_t{1} << bits, 0);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    insert_slot(static_cast<std::uint32_t>(i), hash_key({e.local, e.remote, e.lport, e.rport}));
  }
}

long MapSet::add(const Tuple& t, Action a, SourcePos p) {
  const MapKey k = key_of(t);
  // Before seal() the index may be stale; a linear duplicate check would be
  // quadratic at a million entries, so keep the index current while adding.
  if ((entries_.size() + 1) * 4 > slots_.size() * 3)
    rehash(std::max<std::size_t>(2 * entries_.size(), entries_.size() + 1));
  const std::uint64_t h = hash_key(k);
  if (const long dup = probe(k, h); dup >= 0) return dup;
  insert_slot(static_cast<std::uint32_t>(entries_.size()), h);
  if (entries_.empty()) {
    column0_ = p.column;
  } else if (columns_.empty() && p.column != column0_) {
    columns_.assign(entries_.size(), column0_);
  }
  if (!columns_.empty()) columns_.push_back(p.column);
  entries_.push_back({k.local, k.remote, k.lport, k.rport, a, p.line});
  return -1;
}

void MapSet::seal() {
  entries_.shrink_to_fit();
  columns_.shrink_to_fit();
}

long MapSet::probe(const MapKey& k, std::uint64_t h) const noexcept {
  if (slots_.empty()) return -1;
  const std::uint64_t mask = (std::uint64_t{1} << slot_bits_) - 1;
  const auto tag = static_cast<std::uint32_t>((h >> 32) << slot_bits_);
  const auto index_mask = static_cast<std::uint32_t>(mask);
  for (std::uint64_t s = h >> (64 - slot_bits_);; s = (s + 1) & mask) {
    const std::uint32_t v = slots_[s];
    if (v == 0) return -1;
    if ((v & ~index_mask) != tag) continue;
    const std::uint32_t i = (v & index_mask) - 1;
    const Entry& e = entries_[i];
    if (e.local == k.local && e.remote == k.remote && e.lport == k.lport && e.rport == k.rport)
      return i;
  }
}

long MapSet::find(const Tuple& t) const noexcept {
  const MapKey k = key_of(t);
  return probe(k, hash_key(k));
}

void Table::seal() {
  for (RuleSet& r : rule_sets) r.index.build(r.rules);
  for (MapSet& m : map_sets) m.seal();
}

bool Table::sealed() const noexcept {
  return std::all_of(rule_sets.begin(), rule_sets.end(),
                     [](const RuleSet& r) { return r.index.built_for(r.rules.size()); });
}

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
      entry = first_match(r, t);
      a = entry >= 0 ? r.rules[entry].action : r.default_action;
      pos = entry >= 0 ? r.rules[entry].pos : r.default_pos;
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
