// Cost of one table lookup, the work sbd adds per connection on top of
// accept/getsockname/sendmsg. Compare the rows of one run with each other:
// a 1,000,000-entry map against the seed's 4-entry table shows what table
// size costs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "socketbox/table/parser.hpp"

using namespace socketbox::table;

namespace {

Tuple make(const std::string& local, std::uint16_t port) {
  Tuple t;
  t.local = *parse_addr(local);
  t.remote = *parse_addr("fd00:c::2");
  t.lport = port;
  t.rport = 40000;
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

Table big_map(unsigned n) {
  std::string text = "rule-set:0\nip:2001:db8::/32 jump-map:1\nmap-set:1 match-lip:128\n";
  char line[80];
  for (unsigned i = 0; i < n; ++i) {
    const int len = std::snprintf(line, sizeof line, "ip:2001:db8:%x:%x::1 jump-unix:/s%u\n",
                                  i >> 16, i & 0xffff, i % 64);
    text.append(line, static_cast<std::size_t>(len));
  }
  return parse_table(text);
}

void BM_MapSet(benchmark::State& state) {
  const unsigned n = static_cast<unsigned>(state.range(0));
  const Table t = big_map(n);
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
}
BENCHMARK(BM_MapSet)->Arg(1000)->Arg(1'000'000);

void BM_RuleScan(benchmark::State& state) {
  // The worst case for a rule set: the match is the last of N prefix rules.
  const int n = static_cast<int>(state.range(0));
  std::string text = "rule-set:0\n";
  for (int i = 0; i < n; ++i) text += "ip:2001:db8:" + std::to_string(i) + "::/48 jump-unix:/r\n";
  const Table t = parse_table(text);
  const Tuple last = make("2001:db8:" + std::to_string(n - 1) + "::1", 22);
  for (auto _ : state) benchmark::DoNotOptimize(t.lookup(last));
}
BENCHMARK(BM_RuleScan)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
