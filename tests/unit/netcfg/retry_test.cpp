// The retry policy of apply(): bounded attempts, jittered growing waits
// (through an injected sleep), and one clear line when it gives up.
#include "socketbox/netcfg/retry.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace socketbox::netcfg;
using std::chrono::milliseconds;

namespace {

struct Recorder {
  std::vector<milliseconds> waits;
  RetryPolicy policy() {
    RetryPolicy p;
    p.sleep = [this](milliseconds w) { waits.push_back(w); };
    return p;
  }
};

// [low, high] of the wait before attempt n under the default policy.
std::pair<long, long> bounds(int n) {
  const long caps[] = {10, 20, 40, 80, 100};
  const long cap = caps[std::min(n - 2, 4)];
  return {cap / 2, cap};
}

}  // namespace

TEST_CASE("retry waits grow from 10 ms to 100 ms, jittered within [cap/2, cap]") {
  const RetryPolicy p;
  for (int n = 2; n <= 12; ++n) {
    const auto [low, high] = bounds(n);
    CHECK(retry_wait(p, n, 0).count() == low);
    CHECK(retry_wait(p, n, std::numeric_limits<std::uint32_t>::max()).count() >= low);
    bool saw_low = false, saw_high = false;
    for (std::uint32_t r = 0; r < 1000; ++r) {
      const long w = retry_wait(p, n, r * 2654435761u).count();
      REQUIRE(w >= low);
      REQUIRE(w <= high);
      saw_low = saw_low || w == low;
      saw_high = saw_high || w == high;
    }
    CHECK(saw_low);
    CHECK(saw_high);
  }
}

TEST_CASE("a concurrent change is retried until the attempt goes through") {
  Recorder rec;
  int calls = 0;
  run_with_retry(rec.policy(), [&] {
    if (++calls < 4) throw ConcurrentChange("the ruleset changed since it was read");
  });
  CHECK(calls == 4);
  REQUIRE(rec.waits.size() == 3);
  for (std::size_t i = 0; i < rec.waits.size(); ++i) {
    const auto [low, high] = bounds(static_cast<int>(i) + 2);
    CHECK(rec.waits[i].count() >= low);
    CHECK(rec.waits[i].count() <= high);
  }
}

TEST_CASE("retry gives up after a bounded number of attempts with one clear line") {
  Recorder rec;
  int calls = 0;
  try {
    run_with_retry(rec.policy(), [&] {
      ++calls;
      throw ConcurrentChange("the ruleset changed since it was read");
    });
    FAIL("run_with_retry returned");
  } catch (const ConcurrentChange&) {
    FAIL("gave up with the inner error instead of its own");
  } catch (const NetcfgError& e) {
    CHECK(std::string(e.what()) ==
          "the ruleset kept changing while applying: gave up after 8 attempts; another tool is "
          "writing nftables continuously");
  }
  CHECK(calls == 8);
  REQUIRE(rec.waits.size() == 7);
  long total = 0;
  for (const auto& w : rec.waits) total += w.count();
  CHECK(total <= 10 + 20 + 40 + 80 + 100 + 100 + 100);
  CHECK(total >= 5 + 10 + 20 + 40 + 50 + 50 + 50);

  RetryPolicy three = rec.policy();
  three.attempts = 3;
  calls = 0;
  CHECK_THROWS_WITH(run_with_retry(three,
                                   [&] {
                                     ++calls;
                                     throw ConcurrentChange("changed");
                                   }),
                    Catch::Contains("gave up after 3 attempts"));
  CHECK(calls == 3);
}

TEST_CASE("any other failure is not retried") {
  Recorder rec;
  int calls = 0;
  CHECK_THROWS_WITH(run_with_retry(rec.policy(),
                                   [&] {
                                     ++calls;
                                     throw NetcfgError("adding route local 192.0.2.0/24 dev lo");
                                   }),
                    "adding route local 192.0.2.0/24 dev lo");
  CHECK(calls == 1);
  CHECK(rec.waits.empty());
  // Success at once: no wait at all.
  run_with_retry(rec.policy(), [&] { ++calls; });
  CHECK(calls == 2);
  CHECK(rec.waits.empty());
}
