#include "handoff.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "counters.hpp"
#include "receiver_socket.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;

TEST_CASE("a hand-off carries exactly one fd and one NUL byte") {
  TempDir dir;
  const std::string path = dir / "r.sock";
  ReceiverSocket r(path);
  REQUIRE(r.fd);
  HandoffSender s;
  int p[2];
  REQUIRE(pipe(p) == 0);
  CHECK(s.send_to_path(path.c_str(), path.size(), p[1]) == 0);
  close(p[1]);
  const auto got = r.receive();
  CHECK(got.bytes == 1);
  REQUIRE(got.nfds == 1);
  // The received fd is the pipe's write end: data written arrives at p[0].
  REQUIRE(write(got.fd, "x", 1) == 1);
  char c = 0;
  CHECK(read(p[0], &c, 1) == 1);
  CHECK(c == 'x');
  close(got.fd);
  close(p[0]);
}

TEST_CASE("hand-off failures are reported by errno and classified") {
  TempDir dir;
  HandoffSender s;
  int p[2];
  REQUIRE(pipe(p) == 0);

  SECTION("missing target") {
    const std::string path = dir / "nobody.sock";
    const int err = s.send_to_path(path.c_str(), path.size(), p[0]);
    CHECK(err == ENOENT);
    CHECK(classify_send_error(err) == SendFailure::Missing);
  }
  SECTION("stale socket file: refused") {
    const std::string path = dir / "stale.sock";
    { ReceiverSocket gone(path); }  // bound, then closed: the file stays
    const int err = s.send_to_path(path.c_str(), path.size(), p[0]);
    CHECK(err == ECONNREFUSED);
    CHECK(classify_send_error(err) == SendFailure::Refused);
  }
  SECTION("full queue: EAGAIN without blocking") {
    const std::string path = dir / "full.sock";
    ReceiverSocket r(path);
    REQUIRE(r.fd);
    int err = 0, sent = 0;
    for (int i = 0; i < 100000 && err == 0; ++i) {
      err = s.send_to_path(path.c_str(), path.size(), p[0]);
      if (err == 0) ++sent;
    }
    CHECK(sent > 0);
    CHECK(err == EAGAIN);
    CHECK(classify_send_error(err) == SendFailure::Full);
    TargetCounters c;
    c.count_failure(classify_send_error(err));
    CHECK(c.full == 1);
    CHECK(c.failed() == 1);
    // Draining one makes room again.
    const auto got = r.receive();
    REQUIRE(got.nfds == 1);
    close(got.fd);
    CHECK(s.send_to_path(path.c_str(), path.size(), p[0]) == 0);
    while (true) {
      const auto g = r.receive();
      if (g.bytes < 0) break;
      if (g.nfds) close(g.fd);
    }
  }
  SECTION("a path longer than sun_path") {
    const std::string path(200, 'a');
    CHECK(s.send_to_path(path.c_str(), path.size(), p[0]) == ENAMETOOLONG);
    CHECK(classify_send_error(ENAMETOOLONG) == SendFailure::Other);
  }
  close(p[0]);
  close(p[1]);
}

TEST_CASE("send_over passes an fd over a connected socket (jump-fd)") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
  int p[2];
  REQUIRE(pipe(p) == 0);
  CHECK(HandoffSender::send_over(sv[0], p[1]) == 0);
  ReceiverSocket r("");  // unbound placeholder; read from sv[1] instead
  r.fd.reset(sv[1]);
  const auto got = r.receive();
  CHECK(got.nfds == 1);
  if (got.fd >= 0) close(got.fd);
  close(sv[0]);
  close(p[0]);
  close(p[1]);
  CHECK(HandoffSender::send_over(-1, 0) == EBADF);
}

TEST_CASE("a table target's own socket follows its receiver") {
  TempDir dir;
  const std::string path = dir / "r.sock";
  HandoffSender s;
  int p[2];
  REQUIRE(pipe(p) == 0);
  const auto send = [&](std::uint32_t index, const std::string& to) {
    return s.send_to_target(index, to.c_str(), to.size(), p[0]);
  };
  const auto received = [](const ReceiverSocket& r) {
    const auto got = r.receive();
    if (got.fd >= 0) close(got.fd);
    return got.nfds == 1 && got.bytes == 1;
  };
  {
    ReceiverSocket r1(path);
    REQUIRE(r1.fd);
    CHECK(send(0, path) == 0);
    CHECK(s.linked_targets() == 1);
    CHECK(send(0, path) == 0);  // over the link, same receiver
    CHECK(received(r1));
    CHECK(received(r1));
  }
  // The receiver is gone, its file stays: refused, as from a path, and the
  // link is dropped.
  CHECK(send(0, path) == ECONNREFUSED);
  CHECK(s.linked_targets() == 0);
  // A restarted receiver binds the path again and gets the next one.
  REQUIRE(unlink(path.c_str()) == 0);
  ReceiverSocket r2(path);
  REQUIRE(r2.fd);
  CHECK(send(0, path) == 0);
  CHECK(received(r2));
  CHECK(s.linked_targets() == 1);

  SECTION("missing targets are not linked") {
    CHECK(send(1, dir / "nobody.sock") == ENOENT);
    CHECK(s.linked_targets() == 1);
  }
  SECTION("targets past the linked ones share the unconnected socket") {
    CHECK(send(HandoffSender::kLinkedTargets, path) == 0);
    CHECK(received(r2));
    CHECK(s.linked_targets() == 1);
  }
  SECTION("a receiver replaced while the old one lives: the link stays until the table changes") {
    REQUIRE(unlink(path.c_str()) == 0);
    ReceiverSocket r3(path);
    REQUIRE(r3.fd);
    CHECK(send(0, path) == 0);
    CHECK(received(r2));
    s.forget_targets();
    CHECK(s.linked_targets() == 0);
    CHECK(send(0, path) == 0);
    CHECK(received(r3));
  }
  close(p[0]);
  close(p[1]);
}
