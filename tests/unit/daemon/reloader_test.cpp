#include "reloader.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

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
  // The queued job reads the file as it is when it starts: a FIFO by then.
  ReloadResult a = next_result(r);
  REQUIRE(std::remove(path.c_str()) == 0);
  REQUIRE(mkfifo(path.c_str(), 0600) == 0);
  CHECK(a.ticket == first);
  REQUIRE(a.table);  // taken before the FIFO replaced the file
  CHECK(a.table->targets.size() == 1);
  // (take() started the queued job at once; it may have read either file.)
  ReloadResult b = next_result(r);
  CHECK(b.ticket == second);
  CHECK_FALSE(r.busy());
  if (!b.table) CHECK(b.error == path + ": is a FIFO, not a regular file");
  // Now surely the FIFO: refused at once, one line naming it.
  CHECK(r.request() == second + 1);
  ReloadResult c = next_result(r);
  CHECK_FALSE(c.table);
  CHECK(c.error == path + ": is a FIFO, not a regular file");
  r.dispose(std::move(a.table));  // freed on the worker
}
