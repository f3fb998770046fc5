#include "dispatcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>

#include "alloc_counter.hpp"
#include "receiver_socket.hpp"
#include "socketbox/table/parser.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

sockaddr_in6 addr6(const char* a, std::uint16_t port) {
  sockaddr_in6 s{};
  s.sin6_family = AF_INET6;
  s.sin6_port = htons(port);
  inet_pton(AF_INET6, a, &s.sin6_addr);
  return s;
}

struct Fixture {
  TempDir dir;
  HandoffSender sender;
  CounterRegistry counters;
  Dispatcher d{-1, sender, counters, true};

  void load(const std::string& text) {
    auto t = std::make_shared<const tbl::Table>(tbl::parse_table(text));
    ActiveTable a;
    a.counters = counters.bind(*t);
    a.table = std::move(t);
    d.install(std::move(a));
  }
  // Dispatches one end of a fresh socketpair as if it were a connection to
  // [local]:lport; returns the other end.
  int connection(const char* local, std::uint16_t lport) {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    const sockaddr_in6 l = addr6(local, lport), r = addr6("fd00:c::2", 40000);
    d.dispatch(sv[0], reinterpret_cast<const sockaddr*>(&l), reinterpret_cast<const sockaddr*>(&r));
    return sv[1];
  }
};

}  // namespace

TEST_CASE("dispatch sends to the table's target and counts it") {
  Fixture f;
  const std::string a = f.dir / "a.sock";
  ReceiverSocket ra(a);
  f.load("rule-set:0\nip:2001:db8::1 jump-unix:" + a + "\ndefault fail\n");
  const int peer = f.connection("2001:db8::1", 22);
  const auto got = ra.receive();
  REQUIRE(got.nfds == 1);
  // What the receiver got is the connection: it talks to our end.
  REQUIRE(write(got.fd, "hi", 2) == 2);
  char buf[2];
  CHECK(read(peer, buf, 2) == 2);
  close(got.fd);
  close(peer);
  CHECK(f.counters.connections.dispatched == 1);
  CHECK(f.counters.paths().at(a).sent == 1);
}

TEST_CASE("fail and failed hand-offs close sbd's copy and are counted") {
  Fixture f;
  const std::string missing = f.dir / "missing.sock";
  f.load("rule-set:0\nip:2001:db8::1 jump-unix:" + missing + "\ndefault fail\n");
  int peer = f.connection("2001:db8::2", 22);
  char c;
  CHECK(read(peer, &c, 1) == 0);  // closed: sbd kept nothing
  close(peer);
  CHECK(f.counters.connections.no_match == 1);
  peer = f.connection("2001:db8::1", 22);
  CHECK(read(peer, &c, 1) == 0);
  close(peer);
  CHECK(f.counters.connections.failed == 1);
  CHECK(f.counters.paths().at(missing).missing == 1);
}

TEST_CASE("-U expands placeholders into the path; counters stay on the template") {
  Fixture f;
  const std::string tmpl = f.dir / "s-#//7_-#//P_.sock";
  const std::string real = f.dir / "s-00016-00443.sock";
  ReceiverSocket r(real);
  f.load("rule-set:0\ndefault jump-unix:" + tmpl + "\n");
  const int peer = f.connection("2001:db8::10", 443);
  const auto got = r.receive();
  CHECK(got.nfds == 1);
  if (got.fd >= 0) close(got.fd);
  close(peer);
  CHECK(f.counters.paths().at(tmpl).sent == 1);
}

TEST_CASE("the per-connection path allocates nothing") {
  Fixture f;
  const std::string a = f.dir / "a.sock";
  ReceiverSocket ra(a);
  const std::string tmpl = f.dir / "t-#//P_.sock";
  ReceiverSocket rt(f.dir / "t-00080.sock");
  f.load("rule-set:0\nport:22 jump-unix:" + a + "\nport:23 jump-unix:" + (f.dir / "missing.sock") +
         "\nport:80 jump-unix:" + tmpl + "\nport:81 jump-fd:999\ndefault fail\n");
  // With the connection log on (plain lines to a socket, the journal's way).
  int logs[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, logs) == 0);
  ConnectionLogCounters log_counters;
  ConnectionLog::Config lc;
  lc.plain_fd = logs[0];
  lc.clients = ClientLogging::Prefix;
  ConnectionLog log(lc, log_counters);
  f.d.set_connection_log(&log);
  int peers[5];
  const std::uint16_t ports[5] = {22, 23, 80, 81, 443};  // sent, missing, -U, bad fd, fail
  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 5; ++i) peers[i] = f.connection("2001:db8::1", ports[i]);
  const std::size_t during = g_allocations.load() - before;
  for (int p : peers) close(p);
  for (const ReceiverSocket* r : {&ra, &rt}) {
    const auto got = r->receive();
    CHECK(got.nfds == 1);
    if (got.fd >= 0) close(got.fd);
  }
  if (kCountingAllocations) CHECK(during == 0);
  char text[4096];
  const ssize_t n = recv(logs[1], text, sizeof text, MSG_DONTWAIT);
  REQUIRE(n > 0);
  const std::string got(text, static_cast<std::size_t>(n));
  CHECK(std::count(got.begin(), got.end(), '\n') == 5);
  CHECK(got.find("client=fd00:c::/64 dest=[2001:db8::1]:22 route=\"rule-set:0 line 2\" target=" +
                 a + " result=sent\n") != std::string::npos);
  CHECK(got.find("dest=[2001:db8::1]:80 route=\"rule-set:0 line 4\" target=" +
                 (f.dir / "t-00080.sock") + " result=sent\n") != std::string::npos);
  CHECK(got.find("route=\"rule-set:0 line 5\" target=fd:999 result=\"failed: Bad file "
                 "descriptor\"\n") != std::string::npos);
  CHECK(got.find("route=\"rule-set:0 default line 6\" target=- result=no-match\n") !=
        std::string::npos);
  close(logs[0]);
  close(logs[1]);
  CHECK(f.counters.connections.dispatched == 2);
  CHECK(f.counters.connections.failed == 2);
  CHECK(f.counters.connections.no_match == 1);
}

namespace {

// Fills r's queue until the next hand-off would get EAGAIN.
int fill_queue(Fixture& f, const std::string& path) {
  int p[2];
  REQUIRE(pipe(p) == 0);
  int sent = 0;
  while (sent < 100000 && f.sender.send_to_path(path.c_str(), path.size(), p[0]) == 0) ++sent;
  close(p[0]);
  close(p[1]);
  return sent;
}

}  // namespace

TEST_CASE("jump-unix-any passes a connection on when a target is missing, refusing or full") {
  Fixture f;
  const std::string first = f.dir / "first.sock", second = f.dir / "second.sock";
  ReceiverSocket r2(second);
  f.load("rule-set:0\ndefault jump-unix-any:" + first + "," + second + "\n");
  std::unique_ptr<ReceiverSocket> r1;
  std::uint64_t TargetCounters::*reason = nullptr;
  SECTION("missing") { reason = &TargetCounters::missing; }
  SECTION("refusing: a stale socket file") {
    { ReceiverSocket gone(first); }
    reason = &TargetCounters::refused;
  }
  SECTION("full") {
    r1 = std::make_unique<ReceiverSocket>(first);
    REQUIRE(fill_queue(f, first) > 0);
    reason = &TargetCounters::full;
  }
  const std::size_t before = g_allocations.load();
  const int peer = f.connection("2001:db8::1", 443);
  const std::size_t during = g_allocations.load() - before;
  const auto got = r2.receive();
  REQUIRE(got.nfds == 1);
  REQUIRE(write(got.fd, "hi", 2) == 2);  // the second receiver has the connection
  char buf[2];
  CHECK(read(peer, buf, 2) == 2);
  close(got.fd);
  close(peer);
  if (kCountingAllocations) CHECK(during == 0);
  const TargetCounters& c1 = f.counters.paths().at(first);
  const TargetCounters& c2 = f.counters.paths().at(second);
  CHECK(c1.*reason == 1);
  CHECK(c1.failed() == 1);
  CHECK(c1.failovers == 1);
  CHECK(c1.sent == 0);
  CHECK(c2.sent == 1);
  CHECK(c2.failovers == 0);
  CHECK(f.counters.connections.dispatched == 1);
  CHECK(f.counters.connections.failed == 0);
}

TEST_CASE("jump-unix-any uses the first target that takes it and resets when none does") {
  Fixture f;
  const std::string a = f.dir / "a.sock", b = f.dir / "b.sock", c = f.dir / "c.sock";
  ReceiverSocket ra(a);
  f.load("rule-set:0\nport:1 jump-unix-any:" + a + "," + b + "\nport:2 jump-unix-any:" + b + "," +
         c + "\ndefault fail\n");
  int peer = f.connection("2001:db8::1", 1);
  auto got = ra.receive();
  CHECK(got.nfds == 1);
  if (got.fd >= 0) close(got.fd);
  close(peer);
  CHECK(f.counters.paths().at(a).sent == 1);
  CHECK(f.counters.paths().at(b).failed() == 0);  // never tried

  peer = f.connection("2001:db8::1", 2);  // both missing
  char ch;
  CHECK(read(peer, &ch, 1) < 1);  // reset (or closed): sbd kept nothing
  close(peer);
  CHECK(f.counters.connections.failed == 1);
  CHECK(f.counters.paths().at(b).missing == 1);
  CHECK(f.counters.paths().at(b).failovers == 1);
  CHECK(f.counters.paths().at(c).missing == 1);
  CHECK(f.counters.paths().at(c).failovers == 0);  // the last: nothing to move on to
}

TEST_CASE("jump-unix-any expands -U placeholders in each path") {
  Fixture f;
  const std::string gone = f.dir / "gone-#//P_.sock", tmpl = f.dir / "s-#//P_.sock";
  ReceiverSocket r(f.dir / "s-00443.sock");
  f.load("rule-set:0\ndefault jump-unix-any:" + gone + "," + tmpl + "\n");
  const int peer = f.connection("2001:db8::1", 443);
  const auto got = r.receive();
  CHECK(got.nfds == 1);
  if (got.fd >= 0) close(got.fd);
  close(peer);
  CHECK(f.counters.paths().at(gone).failovers == 1);
  CHECK(f.counters.paths().at(tmpl).sent == 1);
}
