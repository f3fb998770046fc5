// sbd's io_uring loop with the real dispatcher: TCP connections on loopback
// accepted in the ring, handed off over the target's link, sbd's copies
// closed by the ring; a hand-off the ring could not make is made again at
// once by the epoll path's rules.
#include "accept_ring.hpp"

#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "dispatcher.hpp"
#include "receiver_socket.hpp"
#include "socketbox/table/parser.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// What the daemon does with the ring's events, with a check on each round
// of epoll handlers: no hand-off is open then.
struct Events final : AcceptEvents {
  Dispatcher& d;
  CounterRegistry& counters;
  int watch_fd;
  int watched = 0;
  bool open_handoff_seen = false;

  Events(Dispatcher& disp, CounterRegistry& c, int w) : d(disp), counters(c), watch_fd(w) {}
  void accepted(int conn, const sockaddr* peer) noexcept override { d.accepted(conn, peer); }
  bool accept_failed(int err) noexcept override { return d.accept_failed(err); }
  void handed_off(int conn, std::uint32_t target, const tbl::Tuple& t, int err) noexcept override {
    d.handed_off(conn, target, t, err);
  }
  void watch_ready() noexcept override {
    std::uint64_t v;
    [[maybe_unused]] const ssize_t n = read(watch_fd, &v, sizeof v);
    ++watched;
    const auto& c = counters.connections;
    if (c.accepted != c.dispatched + c.failed + c.no_match) open_handoff_seen = true;
  }
};

struct Fixture {
  TempDir dir;
  std::string path = dir / "a.sock";
  std::unique_ptr<ReceiverSocket> receiver = std::make_unique<ReceiverSocket>(path);
  socketbox::UniqueFd listener{socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  socketbox::UniqueFd watch{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  sockaddr_in6 at{};
  HandoffSender sender;
  CounterRegistry counters;
  Dispatcher d{-1, sender, counters, false};
  Events events{d, counters, watch.get()};
  std::unique_ptr<AcceptRing> ring;

  Fixture() {
    at.sin6_family = AF_INET6;
    at.sin6_addr = in6addr_loopback;
    REQUIRE(bind(listener.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    socklen_t len = sizeof at;
    REQUIRE(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&at), &len) == 0);
    REQUIRE(listen(listener.get(), 64) == 0);
    auto t = std::make_shared<const tbl::Table>(
        tbl::parse_table("rule-set:0\ndefault jump-unix:" + path + "\n"));
    ActiveTable a;
    a.counters = counters.bind(*t);
    a.table = std::move(t);
    d.install(std::move(a));
    std::string why;
    ring = AcceptRing::open(listener.get(), watch.get(), why);
    if (!ring) FAIL("no io_uring here: " << why);
    d.set_queue(ring.get());
  }

  socketbox::UniqueFd connect_client() {
    socketbox::UniqueFd c(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(connect(c.get(), reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
    return c;
  }
  // Runs the ring until the receiver has a connection (at most 50 rounds,
  // each one woken by the watch if nothing else comes). Returns it or -1.
  int next_received() {
    for (int round = 0; round < 50; ++round) {
      const auto got = receiver->receive();
      if (got.nfds == 1) return got.fd;
      const std::uint64_t one = 1;
      REQUIRE(write(watch.get(), &one, sizeof one) == sizeof one);
      REQUIRE(ring->run_once(events) == 0);
    }
    return -1;
  }
};

// The connection reached the receiver: it answers, the client reads it.
void check_delivered(int received, int client) {
  REQUIRE(received >= 0);
  REQUIRE(write(received, "x", 1) == 1);
  char c = 0;
  CHECK(read(client, &c, 1) == 1);
  CHECK(c == 'x');
  close(received);
}

}  // namespace

TEST_CASE("the io_uring loop hands connections off and closes sbd's copies") {
  Fixture f;
  // The first goes by path (the target is not linked yet), the rest through
  // the ring over the link.
  {
    auto client = f.connect_client();
    check_delivered(f.next_received(), client.get());
  }
  REQUIRE(f.sender.link(0) >= 0);
  const std::size_t fds = open_fds();
  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 20; ++i) {
    auto client = f.connect_client();
    const int received = f.next_received();
    check_delivered(received, client.get());
  }
  const std::size_t during = g_allocations.load() - before;
  CHECK(open_fds() == fds);  // the ring closed each of sbd's copies
  CHECK(f.counters.connections.accepted == 21);
  CHECK(f.counters.connections.dispatched == 21);
  CHECK(f.counters.connections.failed == 0);
  CHECK(f.counters.paths().at(f.path).sent == 21);
  CHECK(f.events.watched > 0);
  CHECK_FALSE(f.events.open_handoff_seen);
  if (kCountingAllocations) CHECK(during == 0);
}

TEST_CASE("a hand-off the ring could not make is made again at once") {
  Fixture f;
  {
    auto client = f.connect_client();
    check_delivered(f.next_received(), client.get());
  }
  REQUIRE(f.sender.link(0) >= 0);
  SECTION("the receiver restarted: its old socket refuses, the new one gets it") {
    f.receiver.reset();
    std::filesystem::remove(f.path);
    f.receiver = std::make_unique<ReceiverSocket>(f.path);
    auto client = f.connect_client();
    check_delivered(f.next_received(), client.get());
    CHECK(f.counters.connections.dispatched == 2);
    CHECK(f.counters.connections.failed == 0);
    CHECK(f.counters.paths().at(f.path).sent == 2);
  }
  SECTION("the receiver is full: the connection is reset and counted") {
    int p[2];
    REQUIRE(pipe(p) == 0);
    for (int i = 0; i < 100000 && f.sender.send_to_path(f.path.c_str(), f.path.size(), p[0]) == 0;
         ++i) {
    }
    close(p[0]);
    close(p[1]);
    auto client = f.connect_client();
    for (int round = 0; round < 50 && f.counters.connections.failed == 0; ++round) {
      const std::uint64_t one = 1;
      REQUIRE(write(f.watch.get(), &one, sizeof one) == sizeof one);
      REQUIRE(f.ring->run_once(f.events) == 0);
    }
    CHECK(f.counters.connections.failed == 1);
    CHECK(f.counters.paths().at(f.path).full == 1);
    char c;
    CHECK(read(client.get(), &c, 1) <= 0);  // reset
  }
}

TEST_CASE("the io_uring loop stops accepting while paused") {
  Fixture f;
  f.ring->pause_accepts();
  // Accepts armed before the pause still complete (one each, not re-armed
  // after it); in groups of 8, since a receiver queues 10 datagrams.
  std::vector<socketbox::UniqueFd> clients;
  for (unsigned group = 0; group < AcceptRing::kAccepts / 8; ++group) {
    for (int i = 0; i < 8; ++i) clients.push_back(f.connect_client());
    for (int i = 0; i < 8; ++i) {
      const int got = f.next_received();
      REQUIRE(got >= 0);
      close(got);
    }
  }
  auto waiting = f.connect_client();
  for (int round = 0; round < 5; ++round) {
    const std::uint64_t one = 1;
    REQUIRE(write(f.watch.get(), &one, sizeof one) == sizeof one);
    REQUIRE(f.ring->run_once(f.events) == 0);
  }
  CHECK(f.counters.connections.accepted == AcceptRing::kAccepts);
  f.ring->resume_accepts();
  check_delivered(f.next_received(), waiting.get());
  CHECK(f.counters.connections.accepted == AcceptRing::kAccepts + 1);
}
