// Cost of loading a table (parse and build, and for the file row also the
// bounded read), the work sbd does at start, on reload and for --check.
// Loading is linear: compare the per-entry time of the rows of one run;
// ns_per_entry stays about the same from 100,000 to 1,000,000 entries.
//   build/bench/table_load_bench
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "socketbox/table/parser.hpp"

using namespace socketbox::table;

namespace {

// A map set of N entries, each with its own jump-unix path: the shape that
// was quadratic (every new path searched all earlier ones).
std::string distinct_paths(std::int64_t n) {
  std::string text = "rule-set:0\ndefault jump-map:1\nmap-set:1 match-lip:128\n";
  text.reserve(static_cast<std::size_t>(n) * 64);
  char line[96];
  for (std::int64_t i = 0; i < n; ++i) {
    const int len =
        std::snprintf(line, sizeof line, "ip:2001:db8:%x:%x::1 jump-unix:/srv/s%lld.sock\n",
                      static_cast<unsigned>(i >> 16), static_cast<unsigned>(i & 0xffff),
                      static_cast<long long>(i));
    text.append(line, static_cast<std::size_t>(len));
  }
  return text;
}

// N rule sets in one chain of jumps plus a rule each: the jump graph check.
std::string many_sets(std::int64_t n) {
  std::string text;
  for (std::int64_t i = 0; i < n; ++i)
    text += "rule-set:" + std::to_string(i) + "\nport:" + std::to_string(i % 65536) +
            " jump-unix:/s\ndefault jump-rule:" + std::to_string(i + 1 < n ? i + 1 : 0) + "\n";
  // The last set ends the chain instead of closing a loop.
  text.replace(text.rfind("jump-rule:0"), 11, "fail");
  return text;
}

void report(benchmark::State& state, std::int64_t entries) {
  state.counters["entries"] = static_cast<double>(entries);
  state.counters["ns_per_entry"] = benchmark::Counter(
      static_cast<double>(entries) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_ParseDistinctPaths(benchmark::State& state) {
  const std::string text = distinct_paths(state.range(0));
  for (auto _ : state) {
    Table t = parse_table(text);
    benchmark::DoNotOptimize(t.targets.data());
  }
  report(state, state.range(0));
}
BENCHMARK(BM_ParseDistinctPaths)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_LoadFileDistinctPaths(benchmark::State& state) {
  char dir[] = "/tmp/sb-table-load-bench.XXXXXX";
  if (!::mkdtemp(dir)) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  const std::string path = std::string(dir) + "/t.conf";
  std::ofstream(path, std::ios::binary) << distinct_paths(state.range(0));
  for (auto _ : state) {
    Table t = load_table_file(path);
    benchmark::DoNotOptimize(t.targets.data());
  }
  ::unlink(path.c_str());
  ::rmdir(dir);
  report(state, state.range(0));
}
BENCHMARK(BM_LoadFileDistinctPaths)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ParseJumpChain(benchmark::State& state) {
  // A chain this long is refused (kMaxJumpChain): time the refusal, which
  // walks the whole graph.
  const std::string text = many_sets(state.range(0));
  for (auto _ : state) {
    try {
      Table t = parse_table(text);
      benchmark::DoNotOptimize(t.rule_sets.data());
    } catch (const ParseError&) {
    }
  }
  report(state, state.range(0) * 2);
}
BENCHMARK(BM_ParseJumpChain)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
