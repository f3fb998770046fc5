#include "rate_limiter.hpp"

#include <catch2/catch.hpp>

using socketbox::daemon::RateLimiter;

TEST_CASE("rate limiter allows N a second and reports what it held back") {
  RateLimiter r(3);
  std::uint64_t s = 99;
  CHECK(r.allow(1000, s));
  CHECK(s == 0);
  CHECK(r.allow(1001, s));
  CHECK(r.allow(1500, s));
  CHECK_FALSE(r.allow(1500, s));
  CHECK_FALSE(r.allow(1999, s));
  CHECK(s == 0);
  // A new window: the two suppressed are reported with the first line.
  CHECK(r.allow(2000, s));
  CHECK(s == 2);
  CHECK(r.allow(2001, s));
  CHECK(s == 0);
}

TEST_CASE("rate limiter: take_suppressed empties the count") {
  RateLimiter r(1);
  std::uint64_t s = 0;
  CHECK(r.allow(0, s));
  CHECK_FALSE(r.allow(1, s));
  CHECK_FALSE(r.allow(2, s));
  CHECK(r.take_suppressed() == 2);
  CHECK(r.take_suppressed() == 0);
  CHECK(r.allow(5000, s));
  CHECK(s == 0);
}

TEST_CASE("rate limiter with a zero limit suppresses everything") {
  RateLimiter r(0);
  std::uint64_t s = 0;
  CHECK_FALSE(r.allow(0, s));
  CHECK_FALSE(r.allow(2000, s));
  CHECK(s == 1);
}
