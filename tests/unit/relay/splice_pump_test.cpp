#include "splice_pump.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <string>

using namespace socketbox::relay;
using socketbox::UniqueFd;

namespace {

struct Pair {
  UniqueFd a, b;
  Pair() {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    a.reset(sv[0]);
    b.reset(sv[1]);
  }
};

std::string drain(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("bytes and EOF pass through, EOF becomes SHUT_WR", "[splice]") {
  Pair src, dst;  // src.a writes -> src.b is the pump's source; dst.a its destination
  PipePool pool;
  SplicePump p;
  REQUIRE(p.open(pool));
  REQUIRE(write(src.a.get(), "hello", 5) == 5);
  std::uint64_t moved = 0;
  CHECK(p.step(src.b.get(), dst.a.get(), moved) == SplicePump::Step::kProgress);
  CHECK(moved == 5);
  CHECK(p.step(src.b.get(), dst.a.get(), moved) == SplicePump::Step::kIdle);
  CHECK(drain(dst.b.get()) == "hello");
  shutdown(src.a.get(), SHUT_WR);
  CHECK(p.step(src.b.get(), dst.a.get(), moved) == SplicePump::Step::kProgress);
  CHECK(p.done());
  char c;
  CHECK(read(dst.b.get(), &c, 1) == 0);  // EOF passed on
}

TEST_CASE("a full destination stops reading: the pipe is the only buffer", "[splice]") {
  Pair src, dst;
  PipePool pool;
  SplicePump p;
  REQUIRE(p.open(pool));
  const std::string chunk(65536, 'x');
  std::uint64_t total_written = 0;
  // Fill the source as far as it goes, pumping between writes, until both
  // sides would block.
  for (int i = 0; i < 200; ++i) {
    const ssize_t n = write(src.a.get(), chunk.data(), chunk.size());
    if (n > 0) total_written += static_cast<std::uint64_t>(n);
    std::uint64_t moved = 0;
    p.step(src.b.get(), dst.a.get(), moved);
    if (n < 0) break;
  }
  // The pipe holds 16 buffers; what they carry depends on the source, but
  // it is bounded and the writer was stopped.
  CHECK(p.queued() <= 16 * 65536);
  CHECK(total_written < 200 * chunk.size());
  std::uint64_t moved = 0;
  CHECK(p.step(src.b.get(), dst.a.get(), moved) == SplicePump::Step::kIdle);
  // Reading the destination lets everything through, in order.
  std::uint64_t received = 0;
  for (int i = 0; i < 10000 && received < total_written; ++i) {
    received += drain(dst.b.get()).size();
    p.step(src.b.get(), dst.a.get(), moved);
  }
  CHECK(received == total_written);
}

TEST_CASE("a reset destination is an error", "[splice]") {
  signal(SIGPIPE, SIG_IGN);  // as sb-relay does
  Pair src, dst;
  PipePool pool;
  SplicePump p;
  REQUIRE(p.open(pool));
  dst.b.reset();
  REQUIRE(write(src.a.get(), "x", 1) == 1);
  std::uint64_t moved = 0;
  CHECK(p.step(src.b.get(), dst.a.get(), moved) == SplicePump::Step::kError);
}

TEST_CASE("the pool takes back empty pipes only, and empties when idle", "[splice]") {
  PipePool pool;
  Pair src, dst;
  SplicePump p;
  REQUIRE(p.open(pool));
  REQUIRE(write(src.a.get(), "hi", 2) == 2);
  std::uint64_t moved = 0;
  p.step(src.b.get(), dst.a.get(), moved);
  CHECK(p.queued() == 0);
  p.close(pool);
  CHECK(pool.size() == 1);  // empty: kept

  // A pipe still holding bytes is closed, never handed to another connection.
  REQUIRE(p.open(pool));
  CHECK(pool.size() == 0);
  Pair full;
  full.b.reset();  // the destination is gone: bytes stay in the pipe
  REQUIRE(write(src.a.get(), "x", 1) == 1);
  p.step(src.b.get(), full.a.get(), moved);
  CHECK(p.queued() == 1);
  p.close(pool);
  CHECK(pool.size() == 0);

  SplicePump q;
  REQUIRE(p.open(pool));
  REQUIRE(q.open(pool));
  p.close(pool);
  q.close(pool);
  CHECK(pool.size() == 2);
  for (unsigned i = 1; i < PipePool::kIdleTicks; ++i) pool.on_tick();
  CHECK(pool.size() == 2);
  pool.on_tick();
  CHECK(pool.size() == 0);
}

TEST_CASE("closing: EOF is passed on by the close, not by shutdown", "[splice]") {
  PipePool pool;
  Pair src, dst;
  SplicePump p;
  REQUIRE(p.open(pool));
  shutdown(src.a.get(), SHUT_WR);
  std::uint64_t moved = 0;
  CHECK(p.step(src.b.get(), dst.a.get(), moved, true) == SplicePump::Step::kProgress);
  CHECK(p.done());
  char c;
  CHECK(read(dst.b.get(), &c, 1) < 0);  // not shut down: the caller closes it
  dst.a.reset();
  CHECK(read(dst.b.get(), &c, 1) == 0);
}
