// The rule table: rule sets (ordered, first match wins) and map sets (exact
// match under a mask, hashed), connected by jump actions. Evaluation starts at
// rule set 0. A Table is immutable once built and safe to read from any thread;
// lookup() never allocates.
//
// Rule sets are compiled for lookup (RuleIndex, a tuple-space search) by
// Table::seal(), which the parser calls: a parsed table is always compiled.
// Code that builds or changes a table by hand calls seal() after its last
// change. A rule set whose index was built for a different number of rules
// (never sealed, or rules added since) is scanned instead, so such a table
// still decides the same, only slower on large sets; Table::sealed() tells.
// The index holds rule numbers, not actions, so patching an action needs no
// seal(); changing a rule's match fields in place without seal() is not
// detected.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "socketbox/table/address.hpp"
#include "socketbox/table/limits.hpp"
#include "socketbox/table/rule_index.hpp"

namespace socketbox::table {

struct SourcePos {
  std::uint32_t line = 0;    // 1-based; 0 = not from a file (built-in default)
  std::uint32_t column = 0;  // 1-based
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

enum class ActionKind : std::uint8_t {
  Fail,      // close the connection
  Unix,      // send to targets[arg]
  Fd,        // send over inherited descriptor `arg`
  JumpMap,   // continue in map set with dense index `arg`
  JumpRule,  // continue in rule set with dense index `arg`
  UnixAny,   // send to the first of target_lists[arg] that takes it
};

struct Action {
  ActionKind kind = ActionKind::Fail;
  std::uint32_t arg = 0;
  friend bool operator==(const Action&, const Action&) = default;
};

// A jump-unix destination. Targets are interned: every action that names the
// same path shares one index, which sbd uses to keep per-target counters.
struct Target {
  std::string path;
  bool has_placeholders = false;  // contains #//0_ .. #//7_ or #//P_
};

// Whether a placeholder ("#//X_", X in 0-7 or P) starts at s[i]. The one
// rule for placeholders, used by the parser, the compiler and expand_path.
constexpr bool placeholder_at(std::string_view s, std::size_t i) noexcept {
  return i + 5 <= s.size() && s[i] == '#' && s[i + 1] == '/' && s[i + 2] == '/' &&
         s[i + 4] == '_' && ((s[i + 3] >= '0' && s[i + 3] <= '7') || s[i + 3] == 'P');
}

Target make_target(std::string_view path);

// jump-unix-any's targets: list_targets[first .. first + count), in the order
// sbd tries them. Flat, so that lookup and dispatch never allocate.
struct TargetList {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

// A jump-unix-any takes 2 to this many paths.
inline constexpr std::uint32_t kMaxAnyTargets = 16;

struct Rule {
  Addr lip, lip_mask;  // mask all-zero = any local address
  Addr rip, rip_mask;  // mask all-zero = any remote address
  std::uint16_t lport = 0, rport = 0;
  bool match_lport = false, match_rport = false;
  Action action;
  SourcePos pos;

  bool matches(const Tuple& t) const noexcept {
    return (t.local & lip_mask) == lip && (t.remote & rip_mask) == rip &&
           (!match_lport || t.lport == lport) && (!match_rport || t.rport == rport);
  }
};

struct RuleSet {
  std::uint32_t id = 0;  // the number written in the table (rule-set:N)
  std::vector<Rule> rules;
  Action default_action;
  SourcePos pos;
  SourcePos default_pos;
  // `rules` compiled by Table::seal(); see the top of this file.
  RuleIndex index;
};

// Which fields of the tuple form a map set's key.
struct MapKeySpec {
  Addr lip_mask;       // match-lip:LEN
  Addr rip_mask;       // match-rip:LEN
  bool lport = false;  // match-lport
  bool rport = false;  // match-rport
};

struct MapKey {
  Addr local, remote;
  std::uint16_t lport = 0, rport = 0;
  friend bool operator==(const MapKey&, const MapKey&) = default;
};

class MapSet {
 public:
  std::uint32_t id = 0;  // the number written in the table (map-set:N)
  MapKeySpec spec;
  Action default_action;
  SourcePos pos;
  SourcePos default_pos;

  MapKey key_of(const Tuple& t) const noexcept;
  // Adds an entry keyed by the masked tuple. Returns the index of an existing
  // entry with the same key instead of adding, or -1 when added.
  long add(const Tuple& t, Action a, SourcePos p);
  // Releases spare capacity; call once after the last add(). The hash index
  // is kept current by add(), so lookups work before and after.
  void seal();
  // Index of the entry matching t, or -1.
  long find(const Tuple& t) const noexcept;

  std::size_t size() const noexcept { return entries_.size(); }
  MapKey key(std::size_t i) const noexcept {
    const Entry& e = entries_[i];
    return {e.local, e.remote, e.lport, e.rport};
  }
  const Action& action(std::size_t i) const noexcept { return entries_[i].action; }
  Action& action(std::size_t i) noexcept { return entries_[i].action; }
  SourcePos entry_pos(std::size_t i) const noexcept {
    return {entries_[i].line, columns_.empty() ? column0_ : columns_[i]};
  }

 private:
  // Key, action and line in 48 bytes, so that a probe that finds its entry
  // reads one entry (MapKey alone pads to 40 bytes, hence the flat fields).
  struct Entry {
    Addr local, remote;
    std::uint16_t lport = 0, rport = 0;
    Action action;
    std::uint32_t line = 0;
  };
  long probe(const MapKey& k, std::uint64_t h) const noexcept;
  void insert_slot(std::uint32_t index, std::uint64_t h) noexcept;
  void rehash(std::size_t entries);
  std::vector<Entry> entries_;  // in the order added
  // Columns per entry; empty while every entry has column0_ (a file's map
  // entries nearly always start their line), saving 4 bytes an entry.
  std::vector<std::uint32_t> columns_;
  std::uint32_t column0_ = 0;
  // Open addressing, load <= 3/4; 0 = empty, else index+1 in the low
  // slot_bits_ bits and the hash's next bits above them, so that most
  // probes of other keys are told apart without reading their entry.
  std::vector<std::uint32_t> slots_;
  std::uint32_t slot_bits_ = 0;
};

// One step of an evaluation, for `sbctl explain` and tests.
struct TraceStep {
  bool in_map = false;
  std::uint32_t set_id = 0;
  long entry = -1;  // matched rule/entry index, -1 = the set's default
  SourcePos pos;    // where the deciding line is
  Action action;
};

struct Trace {
  std::vector<TraceStep> steps;
};

// A header line `listener:LPORT jump-unix:PATH` (a socketbox extension):
// sbd sends the listening socket it holds for LPORT, once, to PATH, and the
// server accepts on it natively (listener hand-off mode). Not part of
// lookups. LPORT is unique in a table; PATH is absolute, without
// placeholders.
struct ListenerEntry {
  std::uint16_t port = 0;
  std::string path;
  SourcePos pos;
  friend bool operator==(const ListenerEntry&, const ListenerEntry&) = default;
};

struct Table {
  std::vector<RuleSet> rule_sets;  // dense; rule_sets[0] is where lookups start
  std::vector<MapSet> map_sets;    // dense
  std::vector<Target> targets;
  std::vector<TargetList> target_lists;     // by UnixAny's arg
  std::vector<std::uint32_t> list_targets;  // indexes into targets
  std::string source;                       // file name the table was read from, for messages
  std::vector<ListenerEntry> listeners;     // in the order written

  // Compiles every rule set for lookup() (RuleSet::index) and seals every
  // map set. Call after the last change to the sets; again after any change.
  void seal();
  // Whether every rule set's index was built for its current rules.
  bool sealed() const noexcept;

  // The target indexes of a UnixAny action, in order.
  std::span<const std::uint32_t> targets_of_list(std::uint32_t list) const noexcept {
    const TargetList& l = target_lists[list];
    return {list_targets.data() + l.first, l.count};
  }

  // Follows jumps from rule set 0 to a final action (Fail, Unix, UnixAny or Fd).
  // The parser refuses jump loops and chains longer than kMaxJumpChain, so
  // for a parsed table the result is always the table's own decision; the
  // same limit stops a hand-built table with Fail. Pass a Trace only off
  // the hot path: it allocates. `decided`, if given, receives the last step
  // (the line that decided) without allocating, for sbd's connection log.
  Action lookup(const Tuple& t, Trace* trace = nullptr,
                TraceStep* decided = nullptr) const noexcept;

  // Dense index of a set by its written number, or -1. The sets must be in
  // order of their numbers, as the parser builds them (binary search).
  long rule_set_index(std::uint32_t id) const noexcept;
  long map_set_index(std::uint32_t id) const noexcept;
};

// Expands #//0_ .. #//7_ (local address groups) and #//P_ (local port), each
// as five decimal digits, into out. Returns the length, or 0 if it does not
// fit in `cap` bytes including the terminating NUL. Never allocates.
std::size_t expand_path(const std::string& tmpl, const Tuple& t, char* out,
                        std::size_t cap) noexcept;

}  // namespace socketbox::table
