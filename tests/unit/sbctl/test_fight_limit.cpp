// sbctl watch's fight limit: which drifted objects are restored, when one is
// given up on (the limit-th removal within the window), and what resets it.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "watch/fight_limit.hpp"
#include "watch/watch_record.hpp"

using namespace socketbox::sbctl;
using namespace std::chrono_literals;
using V = std::vector<std::string>;

namespace {
const FightLimit::Clock::time_point t0{};
const std::string kTable = "nft table inet socketbox";
const std::string kRoute = "route local 192.0.2.0/24 dev lo";
}  // namespace

TEST_CASE("the 5th removal within 60 s is given up on, the first 4 are restored") {
  FightLimit f(5, 60s);
  for (int i = 0; i < 4; ++i) {
    const auto v = f.record({kTable}, t0 + i * 1s);
    CHECK(v.restore == V{kTable});
    CHECK(v.gave_up.empty());
  }
  const auto v = f.record({kTable}, t0 + 4s);
  CHECK(v.restore.empty());
  CHECK(v.gave_up == V{kTable});
  CHECK(f.given_up(kTable));
  // Told once: later drift of it is held off, not given up again.
  const auto later = f.record({kTable}, t0 + 5s);
  CHECK(later.gave_up.empty());
  CHECK(later.restore.empty());
  CHECK(later.held_off == V{kTable});
}

TEST_CASE("removals older than the window do not count") {
  FightLimit f(5, 60s);
  for (int i = 0; i < 20; ++i) {
    const auto v = f.record({kTable}, t0 + i * 20s);  // 3 per minute
    CHECK(v.gave_up.empty());
    CHECK(v.restore == V{kTable});
  }
  CHECK_FALSE(f.given_up(kTable));
}

TEST_CASE("objects are counted apart") {
  FightLimit f(2, 60s);
  CHECK(f.record({kTable, kRoute}, t0).restore == V{kTable, kRoute});
  const auto v = f.record({kRoute}, t0 + 1s);
  CHECK(v.gave_up == V{kRoute});
  CHECK_FALSE(f.given_up(kTable));
  const auto w = f.record({kTable, kRoute}, t0 + 2s);
  CHECK(w.gave_up == V{kTable});
  CHECK(w.held_off == V{kRoute});
}

TEST_CASE("reset (a new generation, a restart) forgets fights and give-ups") {
  FightLimit f(2, 60s);
  f.record({kTable}, t0);
  f.record({kTable}, t0 + 1s);
  REQUIRE(f.given_up(kTable));
  f.reset();
  CHECK_FALSE(f.given_up(kTable));
  CHECK(f.given_up_objects().empty());
  CHECK(f.record({kTable}, t0 + 2s).restore == V{kTable});
}

TEST_CASE("a limit of 1 gives up on the first removal") {
  FightLimit f(1, 60s);
  CHECK(f.record({kTable}, t0).gave_up == V{kTable});
}

TEST_CASE("the give-up line names the object, the count and the window") {
  CHECK(gave_up_text(kTable, 5, 60s) ==
        "gave up restoring nft table inet socketbox after 5 removals in 60 s");
}

TEST_CASE("the watch record round-trips through the state dir") {
  char tmpl[] = "/tmp/sbw-record.XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  CHECK_FALSE(read_watch_record(dir));
  write_watch_record(dir, {7, {"watch: " + gave_up_text(kTable, 5, 60s)}});
  const auto r = read_watch_record(dir);
  REQUIRE(r);
  CHECK(r->generation == 7);
  CHECK(r->gave_up ==
        V{"watch: gave up restoring nft table inet socketbox after 5 removals in 60 s"});
  clear_watch_record(dir);
  CHECK_FALSE(read_watch_record(dir));
  clear_watch_record(dir);  // already gone: fine
  ::rmdir(dir.c_str());
}
