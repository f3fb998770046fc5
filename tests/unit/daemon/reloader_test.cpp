#include "reloader.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>

#include "socketbox/table/parser.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;

namespace {

// Waits (bounded) for the reloader's next result.
ReloadResult next_result(Reloader& r) {
  for (int i = 0; i < 300; ++i) {
    pollfd p{r.event_fd(), POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      ReloadResult res;
      if (r.take(res)) return res;
    }
  }
  FAIL("no reload result within 30 s");
  return {};
}

}  // namespace

TEST_CASE("reloader: builds on its thread, coalesces requests, names the file") {
  TempDir dir;
  const std::string path = dir / "t.conf";
  std::ofstream(path) << "rule-set:0\ndefault jump-unix:/srv/a.sock\n";
  Reloader r(path, {});
  r.start();
  const std::uint64_t first = r.request();
  CHECK(r.busy());
  // Asked again while the first runs: one job queued, shared by both asks.
  const std::uint64_t second = r.request();
  CHECK(second == first + 1);
  CHECK(r.request() == second);
  // The queued job waits for resume(), and reads the file as it is then.
  ReloadResult a = next_result(r);
  CHECK(a.ticket == first);
  REQUIRE(a.table);
  CHECK(a.table->targets.size() == 1);
  CHECK_FALSE(r.busy());
  REQUIRE(std::remove(path.c_str()) == 0);
  REQUIRE(mkfifo(path.c_str(), 0600) == 0);
  r.resume();
  CHECK(r.busy());
  ReloadResult b = next_result(r);
  CHECK(b.ticket == second);
  CHECK_FALSE(b.table);
  CHECK(b.error == path + ": is a FIFO, not a regular file");
  r.resume();  // nothing queued
  CHECK_FALSE(r.busy());
  r.dispose(std::move(a.table));  // freed on the worker
}

TEST_CASE("reloader: counters prepared on the worker are adopted with their counts") {
  TempDir dir;
  const std::string path = dir / "t.conf";
  std::ofstream(path) << "rule-set:0\nport:1 jump-unix:/a\ndefault jump-unix:/b\n";
  CounterRegistry reg;
  auto first = reg.bind(
      socketbox::table::parse_table("rule-set:0\nport:1 jump-unix:/b\ndefault jump-unix:/c\n"));
  first[0]->sent = 4;  // /b: carried over
  first[1]->sent = 3;  // /c: retired
  Reloader r(path, {}, &reg);
  r.request();
  ReloadResult res = next_result(r);
  REQUIRE(res.table);
  REQUIRE(res.counters);
  std::map<std::string, TargetCounters> old;
  const auto bound = reg.adopt(*res.table, std::move(*res.counters), old);
  REQUIRE(bound.size() == 2);
  CHECK(old.size() == 2);  // the previous map, to be freed elsewhere
  CHECK(reg.paths().size() == 2);
  CHECK(reg.paths().at("/b").sent == 4);
  CHECK(reg.paths().at("/a").sent == 0);
  CHECK(reg.paths().at("/a").in_table);
  CHECK(reg.retired().sent == 3);
  CHECK(reg.retired_targets() == 1);
  for (auto* c : bound)
    CHECK(c ==
          &reg.paths().at(c == bound[0] ? res.table->targets[0].path : res.table->targets[1].path));
  // Prepared against an older layout: adopt() falls back to bind().
  PreparedCounters stale = reg.prepare(*res.table);
  reg.bind(*res.table);
  const auto again = reg.adopt(*res.table, std::move(stale), old);
  CHECK(again.size() == 2);
  CHECK(reg.paths().at("/b").sent == 4);
}
