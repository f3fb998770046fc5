// Compiled rule sets (RuleIndex) and map sets against a plain reference: a
// linear first-match scan over the same rules and entries, following jumps.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "socketbox/table/parser.hpp"
#include "socketbox/table/table.hpp"
#include "test_support.hpp"

using namespace socketbox::table;

namespace {

// What one step of an evaluation decided: the entry (-1 = default) and action.
struct RefStep {
  bool in_map;
  std::uint32_t set;
  long entry;
  Action action;
};

// The reference: map entries as added (first key wins, as MapSet::add keeps
// the first), so the map is scanned in order too.
struct RefMap {
  std::vector<MapKey> keys;
  std::vector<Action> actions;
};

std::vector<RefStep> reference(const Table& t, const std::vector<RefMap>& maps, const Tuple& tu) {
  std::vector<RefStep> steps;
  bool in_map = false;
  std::uint32_t set = 0;
  for (;;) {
    long entry = -1;
    Action a;
    if (in_map) {
      const MapSet& m = t.map_sets[set];
      const MapKey k = m.key_of(tu);
      a = m.default_action;
      for (std::size_t i = 0; i < maps[set].keys.size(); ++i) {
        if (maps[set].keys[i] == k) {
          entry = static_cast<long>(i);
          a = maps[set].actions[i];
          break;
        }
      }
    } else {
      const RuleSet& r = t.rule_sets[set];
      a = r.default_action;
      for (std::size_t i = 0; i < r.rules.size(); ++i) {
        const Rule& rule = r.rules[i];
        if ((tu.local & rule.lip_mask) == rule.lip && (tu.remote & rule.rip_mask) == rule.rip &&
            (!rule.match_lport || tu.lport == rule.lport) &&
            (!rule.match_rport || tu.rport == rule.rport)) {
          entry = static_cast<long>(i);
          a = rule.action;
          break;
        }
      }
    }
    steps.push_back({in_map, set, entry, a});
    if (a.kind == ActionKind::JumpMap) {
      in_map = true;
      set = a.arg;
    } else if (a.kind == ActionKind::JumpRule) {
      in_map = false;
      set = a.arg;
    } else {
      return steps;
    }
  }
}

Addr operator|(const Addr& a, const Addr& b) { return {a.hi | b.hi, a.lo | b.lo}; }

class Gen {
 public:
  explicit Gen(std::uint32_t seed) : rng_(seed) {}

  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(rng_() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::uint32_t>(percent); }

  // Addresses from a few IPv6 and IPv4-mapped neighbourhoods, so that
  // random rules and tuples overlap.
  Addr addr() {
    static const char* const kBases[] = {
        "2001:db8::", "2001:db8:0:1::", "fd00::", "2001:db8:ff::", "10.0.0.0", "192.0.2.0", "::"};
    Addr a = *parse_addr(kBases[below(7)]);
    switch (below(4)) {
      case 0:
        a.lo |= below(16);
        break;
      case 1:
        a.lo |= below(256) << 8 | below(4);
        break;
      case 2:
        if (!a.is_v4_mapped()) a.hi |= std::uint64_t{below(8)} << 8;
        a.lo |= below(4);
        break;
      default:
        a.lo |= rng_() & 0xffff;
        break;
    }
    return a;
  }

  std::uint16_t port() {
    static const std::uint16_t kPorts[] = {22, 80, 443, 8080, 0, 65535};
    return chance(80) ? kPorts[below(6)] : static_cast<std::uint16_t>(rng_());
  }

  // Prefix lengths of every kind, IPv4-mapped ones (96 + n) included; now
  // and then a mask that is not a prefix.
  Addr mask(const std::vector<int>& lengths) {
    if (chance(3)) return {0, 0xffffffffULL};  // interface-identifier-like
    if (chance(10)) return Addr::prefix_mask(static_cast<int>(below(129)));
    return Addr::prefix_mask(lengths[below(static_cast<std::uint32_t>(lengths.size()))]);
  }

  std::vector<int> lengths() {
    static const int kCommon[] = {0, 32, 48, 56, 64, 112, 120, 124, 128, 104, 96};
    std::vector<int> v;
    const std::uint32_t n = 1 + below(4);
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(kCommon[below(11)]);
    return v;
  }

  Action final_action() {
    switch (below(3)) {
      case 0:
        return {};
      case 1:
        return {ActionKind::Fd, below(1000)};
      default:
        return {ActionKind::Unix, below(1000)};
    }
  }

  // An action that may jump, only to sets after this one (no loops).
  Action action(bool from_map, std::uint32_t set, std::uint32_t rule_sets, std::uint32_t maps) {
    if (chance(15)) {
      const std::uint32_t first_rule = from_map ? 0 : set + 1;
      if (chance(50) && maps > 0 && !from_map) return {ActionKind::JumpMap, below(maps)};
      if (first_rule < rule_sets && !from_map)
        return {ActionKind::JumpRule, first_rule + below(rule_sets - first_rule)};
    }
    return final_action();
  }

  Rule rule(const std::vector<int>& lip_len, const std::vector<int>& rip_len, bool ports) {
    Rule r;
    if (chance(80)) {
      r.lip_mask = mask(lip_len);
      r.lip = addr() & r.lip_mask;
      if (chance(2)) r.lip = addr();  // bits outside the mask: matches nothing
    }
    if (chance(35)) {
      r.rip_mask = mask(rip_len);
      r.rip = addr() & r.rip_mask;
    }
    if (ports && chance(40)) {
      r.match_lport = true;
      r.lport = port();
    }
    if (ports && chance(15)) {
      r.match_rport = true;
      r.rport = port();
    }
    if (!r.match_lport && chance(20)) r.lport = port();  // ignored, must stay so
    return r;
  }

  // A tuple, most often built to hit a given rule.
  Tuple tuple_near(const Rule* r) {
    Tuple t{addr(), addr(), port(), port()};
    if (!r || chance(25)) return t;
    t.local = r->lip | (t.local & ~r->lip_mask);
    t.remote = r->rip | (t.remote & ~r->rip_mask);
    if (r->match_lport) t.lport = r->lport;
    if (r->match_rport) t.rport = r->rport;
    return t;
  }

  std::mt19937_64 rng_;
};

void check_same(const Table& t, const std::vector<RefMap>& maps, const Tuple& tu) {
  const std::vector<RefStep> want = reference(t, maps, tu);
  Trace trace;
  const Action got = t.lookup(tu, &trace);
  INFO("local " << format_addr(tu.local) << " port " << tu.lport << " remote "
                << format_addr(tu.remote) << " rport " << tu.rport);
  REQUIRE(got == want.back().action);
  REQUIRE(t.lookup(tu) == got);
  REQUIRE(trace.steps.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("step " << i);
    const TraceStep& s = trace.steps[i];
    REQUIRE(s.in_map == want[i].in_map);
    REQUIRE(s.entry == want[i].entry);
    REQUIRE(s.action == want[i].action);
    if (s.in_map) {
      const MapSet& m = t.map_sets[want[i].set];
      REQUIRE(s.pos ==
              (s.entry >= 0 ? m.entry_pos(static_cast<std::size_t>(s.entry)) : m.default_pos));
    } else {
      const RuleSet& r = t.rule_sets[want[i].set];
      REQUIRE(s.pos ==
              (s.entry >= 0 ? r.rules[static_cast<std::size_t>(s.entry)].pos : r.default_pos));
    }
  }
}

}  // namespace

TEST_CASE("compiled rule and map sets decide exactly as a first-match scan", "[lookup][index]") {
  Gen g(20261207);
  int compiled_sets = 0, hashed_shapes = 0;
  for (int round = 0; round < 150; ++round) {
    Table t;
    const std::uint32_t nrules = 1 + g.below(3), nmaps = g.below(3);
    std::vector<RefMap> maps(nmaps);
    std::uint32_t line = 1;
    for (std::uint32_t s = 0; s < nrules; ++s) {
      RuleSet r;
      r.id = s;
      const std::vector<int> lip = g.lengths(), rip = g.lengths();
      const bool ports = g.chance(70);
      // Sizes around the scan threshold and well past it.
      static const std::uint32_t kSizes[] = {0, 1, 5, 16, 17, 40, 150, 600};
      const std::uint32_t n = kSizes[g.below(8)];
      for (std::uint32_t i = 0; i < n; ++i) {
        Rule rule = !r.rules.empty() && g.chance(8)
                        ? r.rules[g.below(static_cast<std::uint32_t>(r.rules.size()))]
                        : g.rule(lip, rip, ports);  // duplicates too
        rule.action = g.action(false, s, nrules, nmaps);
        rule.pos = {line++, 1 + g.below(3)};
        r.rules.push_back(rule);
      }
      r.default_action = g.action(false, s, nrules, nmaps);
      r.default_pos = {line++, 1};
      t.rule_sets.push_back(std::move(r));
    }
    for (std::uint32_t s = 0; s < nmaps; ++s) {
      MapSet m;
      m.id = s;
      static const int kKeyLens[] = {128, 64, 120, 0, 48};
      m.spec.lip_mask = Addr::prefix_mask(kKeyLens[g.below(5)]);
      m.spec.rip_mask = Addr::prefix_mask(g.chance(30) ? kKeyLens[g.below(5)] : 0);
      m.spec.lport = g.chance(50);
      m.spec.rport = g.chance(20);
      const std::uint32_t n = g.below(300);
      for (std::uint32_t i = 0; i < n; ++i) {
        const Tuple tu = g.tuple_near(nullptr);
        const Action a = g.final_action();
        if (m.add(tu, a, {line++, g.chance(5) ? 3u : 1u}) < 0) {
          maps[s].keys.push_back(m.key_of(tu));
          maps[s].actions.push_back(a);
        }
      }
      m.default_action = g.final_action();
      m.default_pos = {line++, 1};
      t.map_sets.push_back(std::move(m));
    }

    // Unsealed first: scanned, and already the reference's answers.
    const auto probe_all = [&] {
      for (int k = 0; k < 400; ++k) {
        const RuleSet& r = t.rule_sets[g.below(nrules)];
        const Rule* near = r.rules.empty()
                               ? nullptr
                               : &r.rules[g.below(static_cast<std::uint32_t>(r.rules.size()))];
        Tuple tu = g.tuple_near(near);
        if (nmaps > 0 && g.chance(20) && maps[0].keys.size() > 0) {
          const MapKey& k0 = maps[0].keys[g.below(static_cast<std::uint32_t>(maps[0].keys.size()))];
          tu.local = k0.local | (tu.local & ~t.map_sets[0].spec.lip_mask);
          if (t.map_sets[0].spec.lport) tu.lport = k0.lport;
        }
        check_same(t, maps, tu);
      }
    };
    CHECK_FALSE((t.sealed() && t.rule_sets[0].rules.size() > 0));
    probe_all();
    t.seal();
    REQUIRE(t.sealed());
    for (const RuleSet& r : t.rule_sets) {
      compiled_sets += r.rules.size() > RuleIndex::kScanMaxRules;
      hashed_shapes += static_cast<int>(r.index.shapes());
    }
    probe_all();
  }
  // The generator must exercise the hashed path, not only scans.
  CHECK(compiled_sets > 50);
  CHECK(hashed_shapes > 100);
}

TEST_CASE("a rule set changed after seal() is scanned, not misread", "[lookup][index]") {
  std::string text = "rule-set:0\n";
  for (int i = 0; i < 40; ++i) text += "ip:2001:db8:" + std::to_string(i) + "::/48 fail\n";
  Table t = parse_table(text);
  REQUIRE(t.sealed());
  Rule r;
  r.lip = *parse_addr("2001:db9::");
  r.lip_mask = Addr::prefix_mask(32);
  r.action = {ActionKind::Fd, 7};
  t.rule_sets[0].rules.push_back(r);
  CHECK_FALSE(t.sealed());
  CHECK(sbtest::decide(t, sbtest::tuple("2001:db9::1", 22)) == "fd:7");
  t.seal();
  CHECK(t.sealed());
  CHECK(sbtest::decide(t, sbtest::tuple("2001:db9::1", 22)) == "fd:7");
}

TEST_CASE("map entries keep their key, action and position", "[lookup][index]") {
  MapSet m;
  m.spec.lip_mask = Addr::prefix_mask(128);
  m.spec.lport = true;
  const Tuple a = sbtest::tuple("2001:db8::1", 80), b = sbtest::tuple("2001:db8::2", 80);
  CHECK(m.add(a, {ActionKind::Fd, 1}, {10, 1}) == -1);
  CHECK(m.add(b, {ActionKind::Fd, 2}, {11, 4}) == -1);
  CHECK(m.add(a, {ActionKind::Fd, 3}, {12, 1}) == 0);  // duplicate: the first stays
  m.seal();
  REQUIRE(m.size() == 2);
  CHECK(m.find(a) == 0);
  CHECK(m.find(b) == 1);
  CHECK(m.find(sbtest::tuple("2001:db8::1", 81)) == -1);
  CHECK(m.key(1) == m.key_of(b));
  CHECK(m.action(1) == Action{ActionKind::Fd, 2});
  CHECK(m.entry_pos(0) == SourcePos{10, 1});
  CHECK(m.entry_pos(1) == SourcePos{11, 4});
}
