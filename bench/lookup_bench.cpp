// Cost of one table lookup, the work sbd adds per connection on top of
// accept/getsockname/sendmsg, and of parsing tables of the same sizes.
// Compare the rows of one run with each other: what matters is how the cost
// grows with rules and map entries.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "socketbox/table/parser.hpp"

using namespace socketbox::table;

// Live heap bytes, so BM_MapSet can report what a map entry costs. g++
// warns that free() meets memory from operator new once these replacements
// are inlined into each other; here that pairing is the point.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long long> g_live_bytes{0};
}

void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_live_bytes.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void operator delete(void* p) noexcept {
  if (!p) return;
  g_live_bytes.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

Tuple make(const std::string& local, std::uint16_t port, const std::string& remote = "fd00:c::2",
           std::uint16_t rport = 40000) {
  Tuple t;
  t.local = *parse_addr(local);
  t.remote = *parse_addr(remote);
  t.lport = port;
  t.rport = rport;
  return t;
}

const char* kSeed = R"(rule-set:0 size:100
ip:fd01:db8:1:40::/96 port:443 jump-map:2
ip:fd01:db8:1:40::/96 port:22 jump-map:3
ip:fd01:db8:1:40:0:64::/96 jump-map:1
map-set:1 size:100 match-lport:1
port:80 jump-unix:/nat64/nat64.sock
port:443 jump-unix:/nat64/nat64.sock
map-set:2 size:100 match-lip:128
ip:fd01:db8:1:40::1:10 jump-unix:/vm7/sb-00443
ip:fd01:db8:1:40::1:11 jump-unix:/vm7/apache-00443
map-set:3 size:100 match-lip:128
ip:fd01:db8:1:40::1:10 jump-unix:/vm7/sshd_socket
)";

void BM_SeedTable(benchmark::State& state) {
  const Table t = parse_table(kSeed);
  const Tuple hit = make("fd01:db8:1:40::1:11", 443);
  for (auto _ : state) benchmark::DoNotOptimize(t.lookup(hit));
}
BENCHMARK(BM_SeedTable);

// Rule i of a realistic mixed rule set: eight shapes (IPv6 /48, /64 + port,
// /128 + port, IPv4 /24 and /32 + port, local + remote prefix, remote prefix
// + port, /64 + remote port), every rule with its own addresses so that a
// tuple built by rule_tuple(i) matches rule i and no other.
std::string rule_line(unsigned i) {
  char b[160];
  const unsigned hi = i >> 8, lo = i & 255;
  switch (i % 8) {
    case 0:
      std::snprintf(b, sizeof b, "ip:2001:db8:%x::/48 jump-unix:/r%u\n", i, i % 64);
      break;
    case 1:
      std::snprintf(b, sizeof b, "ip:2001:db8:%x:1::/64 port:%u jump-unix:/r%u\n", i,
                    1000 + i % 5000, i % 64);
      break;
    case 2:
      std::snprintf(b, sizeof b, "ip:2001:db8:%x::5 port:443 jump-unix:/r%u\n", i, i % 64);
      break;
    case 3:
      std::snprintf(b, sizeof b, "ip:10.%u.%u.0/24 jump-unix:/r%u\n", hi, lo, i % 64);
      break;
    case 4:
      std::snprintf(b, sizeof b, "ip:10.%u.%u.7 port:%u jump-unix:/r%u\n", 128 + hi, lo,
                    2000 + i % 1000, i % 64);
      break;
    case 5:
      std::snprintf(b, sizeof b, "ip:2001:db8:%x::/48 rip:fd00:%x::/32 jump-unix:/r%u\n", i, i,
                    i % 64);
      break;
    case 6:
      std::snprintf(b, sizeof b, "rip:100.%u.%u.0/24 port:%u jump-unix:/r%u\n", 64 + hi, lo,
                    8000 + i % 1000, i % 64);
      break;
    default:
      std::snprintf(b, sizeof b, "ip:2001:db8:%x:2::/64 rport:%u jump-unix:/r%u\n", i,
                    1024 + i % 30000, i % 64);
      break;
  }
  return b;
}

Tuple rule_tuple(unsigned i) {
  char l[64], r[64];
  const unsigned hi = i >> 8, lo = i & 255;
  switch (i % 8) {
    case 0:
      std::snprintf(l, sizeof l, "2001:db8:%x::1", i);
      return make(l, 22);
    case 1:
      std::snprintf(l, sizeof l, "2001:db8:%x:1::1", i);
      return make(l, static_cast<std::uint16_t>(1000 + i % 5000));
    case 2:
      std::snprintf(l, sizeof l, "2001:db8:%x::5", i);
      return make(l, 443);
    case 3:
      std::snprintf(l, sizeof l, "10.%u.%u.1", hi, lo);
      return make(l, 22);
    case 4:
      std::snprintf(l, sizeof l, "10.%u.%u.7", 128 + hi, lo);
      return make(l, static_cast<std::uint16_t>(2000 + i % 1000));
    case 5:
      std::snprintf(l, sizeof l, "2001:db8:%x::1", i);
      std::snprintf(r, sizeof r, "fd00:%x::1", i);
      return make(l, 22, r);
    case 6:
      std::snprintf(r, sizeof r, "100.%u.%u.9", 64 + hi, lo);
      return make("2001:db9::1", static_cast<std::uint16_t>(8000 + i % 1000), r);
    default:
      std::snprintf(l, sizeof l, "2001:db8:%x:2::1", i);
      return make(l, 22, "fd00:c::2", static_cast<std::uint16_t>(1024 + i % 30000));
  }
}

std::string rule_text(unsigned n) {
  std::string text = "rule-set:0\n";
  for (unsigned i = 0; i < n; ++i) text += rule_line(i);
  return text;
}

// Worst cases for a rule set of N rules: the match is the last rule
// (range(1) = 0), or no rule matches and the default decides (range(1) = 1).
void BM_RuleSet(benchmark::State& state) {
  const auto n = static_cast<unsigned>(state.range(0));
  const Table t = parse_table(rule_text(n));
  const Tuple probe = state.range(1) == 0 ? rule_tuple(n - 1) : make("2001:db9::1", 9);
  if (t.lookup(probe).kind != (state.range(1) == 0 ? ActionKind::Unix : ActionKind::Fail))
    state.SkipWithError("the probe does not decide as intended");
  for (auto _ : state) benchmark::DoNotOptimize(t.lookup(probe));
}
BENCHMARK(BM_RuleSet)
    ->ArgNames({"rules", "default"})
    ->Args({10, 0})
    ->Args({10, 1})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Args({10'000, 0})
    ->Args({10'000, 1});

// Random rules of a 10,000-rule set, so that the early stop of a compiled
// rule set is measured as well as its worst case.
void BM_RuleSetRandom(benchmark::State& state) {
  const auto n = static_cast<unsigned>(state.range(0));
  const Table t = parse_table(rule_text(n));
  std::vector<Tuple> probes;
  std::mt19937 rng(2);
  for (int i = 0; i < 4096; ++i) probes.push_back(rule_tuple(rng() % n));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(t.lookup(probes[i++ & 4095]));
}
BENCHMARK(BM_RuleSetRandom)->Arg(10'000);

// The case tuple-space search is weakest at: 10,000 rules of 1,250 shapes
// (8 rules each, local prefix length x remote prefix length), none matching.
// range(0) = 1 adds a rule after seal(), so the set is scanned as before
// compilation: the same run then shows both.
void BM_RuleSetManyShapes(benchmark::State& state) {
  std::string text = "rule-set:0\n";
  char b[160];
  for (unsigned i = 0; i < 10'000; ++i) {
    const unsigned shape = i / 8, llen = 33 + shape % 96, rlen = 8 * (shape / 96);
    std::snprintf(b, sizeof b, "ip:2001:db8:%x::/%u rip:fd00:%x::/%u jump-unix:/r\n", i, llen, i,
                  rlen);
    text += b;
  }
  Table t = parse_table(text);
  if (state.range(0) == 1) t.rule_sets[0].rules.emplace_back();  // matches all, after the rest
  const Tuple probe = make("2001:db9::1", 9);
  for (auto _ : state) benchmark::DoNotOptimize(t.lookup(probe));
}
BENCHMARK(BM_RuleSetManyShapes)->ArgName("scanned")->Arg(0)->Arg(1);

std::string map_text(unsigned n) {
  std::string text = "rule-set:0\nip:2001:db8::/32 jump-map:1\nmap-set:1 match-lip:128\n";
  char line[80];
  for (unsigned i = 0; i < n; ++i) {
    const int len = std::snprintf(line, sizeof line, "ip:2001:db8:%x:%x::1 jump-unix:/s%u\n",
                                  i >> 16, i & 0xffff, i % 64);
    text.append(line, static_cast<std::size_t>(len));
  }
  return text;
}

// Heap bytes a map set of n entries holds once sealed, per entry.
double map_bytes_per_entry(unsigned n) {
  const long long before = g_live_bytes.load();
  double per_entry = 0;
  {
    MapSet m;
    m.spec.lip_mask = Addr::prefix_mask(128);
    char addr[64];
    for (unsigned i = 0; i < n; ++i) {
      std::snprintf(addr, sizeof addr, "2001:db8:%x:%x::1", i >> 16, i & 0xffff);
      m.add(make(addr, 22), {ActionKind::Unix, i % 64}, {i + 4, 1});
    }
    m.seal();
    per_entry = static_cast<double>(g_live_bytes.load() - before) / n;
  }
  return per_entry;
}

void BM_MapSet(benchmark::State& state) {
  const unsigned n = static_cast<unsigned>(state.range(0));
  const Table t = parse_table(map_text(n));
  std::vector<Tuple> probes;
  std::mt19937 rng(1);
  char addr[64];
  for (int i = 0; i < 4096; ++i) {
    const unsigned k = rng() % n;
    std::snprintf(addr, sizeof addr, "2001:db8:%x:%x::1", k >> 16, k & 0xffff);
    probes.push_back(make(addr, 22));
  }
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(t.lookup(probes[i++ & 4095]));
  state.counters["bytes_per_entry"] = map_bytes_per_entry(n);
}
BENCHMARK(BM_MapSet)->Arg(1000)->Arg(1'000'000);

void BM_ParseRules(benchmark::State& state) {
  const std::string text = rule_text(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse_table(text));
}
BENCHMARK(BM_ParseRules)->Arg(10)->Arg(1000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

void BM_ParseMap(benchmark::State& state) {
  const std::string text = map_text(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse_table(text));
}
BENCHMARK(BM_ParseMap)->Arg(1000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
