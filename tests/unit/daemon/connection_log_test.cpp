#include "connection_log.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "receiver_socket.hpp"
#include "socketbox/unique_fd.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

tbl::Addr addr(const char* s) { return *tbl::parse_addr(s); }

std::string client(const char* a, std::uint16_t port, ClientLogging m) {
  char buf[64];
  const std::size_t n = format_log_client(addr(a), port, m, buf, sizeof buf);
  return std::string(buf, n);
}

tbl::Tuple tuple(const char* remote, std::uint16_t rport, const char* local, std::uint16_t lport) {
  tbl::Tuple t;
  t.remote = addr(remote);
  t.rport = rport;
  t.local = addr(local);
  t.lport = lport;
  return t;
}

tbl::TraceStep step(tbl::ActionKind k, std::uint32_t arg, bool in_map, std::uint32_t set,
                    long entry, std::uint32_t line) {
  tbl::TraceStep s;
  s.in_map = in_map;
  s.set_id = set;
  s.entry = entry;
  s.pos.line = line;
  s.action = {k, arg};
  return s;
}

// Everything written to the other end of a socketpair standing in for stderr.
std::vector<std::string> lines(int fd) {
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
    all.append(buf, static_cast<std::size_t>(n));
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(all.substr(start, nl - start));
  return out;
}

struct Pair {
  socketbox::UniqueFd ours, theirs;
  Pair() {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ours.reset(sv[0]);
    theirs.reset(sv[1]);
  }
};

}  // namespace

TEST_CASE("client addresses: full, prefix, none; IPv4-mapped shown as IPv4") {
  CHECK(client("2001:db8:1:2:aa::5", 40000, ClientLogging::Full) == "[2001:db8:1:2:aa::5]:40000");
  CHECK(client("2001:db8:1:2:aa::5", 40000, ClientLogging::Prefix) == "2001:db8:1:2::/64");
  CHECK(client("2001:db8:1:2:aa::5", 40000, ClientLogging::None) == "-");
  CHECK(client("::ffff:192.0.2.77", 5, ClientLogging::Full) == "192.0.2.77:5");
  CHECK(client("192.0.2.77", 5, ClientLogging::Prefix) == "192.0.2.0/24");
  CHECK(client("192.0.2.77", 5, ClientLogging::None) == "-");
  // A plain IPv6 address that is not mapped stays IPv6.
  CHECK(client("::1", 80, ClientLogging::Full) == "[::1]:80");
  char small[8];
  CHECK(format_log_client(addr("2001:db8::1"), 1, ClientLogging::Full, small, sizeof small) == 7);
  CHECK(std::string(small) == "[2001:d");  // truncated, still terminated
}

TEST_CASE("routes name the deciding line") {
  char buf[64];
  format_log_route(step(tbl::ActionKind::Unix, 0, false, 0, 3, 12), buf, sizeof buf);
  CHECK(std::string(buf) == "rule-set:0 line 12");
  format_log_route(step(tbl::ActionKind::Fd, 0, true, 7, 0, 40), buf, sizeof buf);
  CHECK(std::string(buf) == "map-set:7 line 40");
  format_log_route(step(tbl::ActionKind::Fail, 0, false, 2, -1, 9), buf, sizeof buf);
  CHECK(std::string(buf) == "rule-set:2 default line 9");
  format_log_route(step(tbl::ActionKind::Unix, 0, false, 0, -1, 0), buf, sizeof buf);
  CHECK(std::string(buf) == "rule-set:0 default");  // --send-all: no file
}

TEST_CASE("plain lines: sent, no-match, failed") {
  Pair p;
  ConnectionLogCounters counters;
  ConnectionLog::Config c;
  c.plain_fd = p.ours.get();
  ConnectionLog log(c, counters);
  CHECK_FALSE(log.uses_journal());
  const auto t = tuple("2001:db8:1:2::9", 40000, "2001:db8::1", 22);
  log.record(t, step(tbl::ActionKind::Unix, 0, false, 0, 0, 2), "/run/a b.sock", 0, 1000);
  log.record(t, step(tbl::ActionKind::Fail, 0, false, 0, -1, 5), nullptr, 0, 1000);
  log.record(tuple("192.0.2.1", 1, "198.51.100.2", 443),
             step(tbl::ActionKind::Fd, 9, true, 1, 0, 8), "fd 9", EBADF, 1000);
  const auto got = lines(p.theirs.get());
  REQUIRE(got.size() == 3);
  CHECK(got[0] ==
        "sbd: connection client=[2001:db8:1:2::9]:40000 dest=[2001:db8::1]:22 "
        "route=\"rule-set:0 line 2\" target=\"/run/a b.sock\" result=sent");
  CHECK(got[1] ==
        "sbd: connection client=[2001:db8:1:2::9]:40000 dest=[2001:db8::1]:22 "
        "route=\"rule-set:0 default line 5\" target=- result=no-match");
  CHECK(got[2] ==
        "sbd: connection client=192.0.2.1:1 dest=198.51.100.2:443 route=\"map-set:1 line 8\" "
        "target=fd:9 result=\"failed: Bad file descriptor\"");
  CHECK(counters.dropped == 0);
}

TEST_CASE("the connection log is rate-limited, with one summary line") {
  Pair p;
  ConnectionLogCounters counters;
  ConnectionLog::Config c;
  c.plain_fd = p.ours.get();
  c.per_second = 2;
  c.clients = ClientLogging::None;
  ConnectionLog log(c, counters);
  const auto t = tuple("2001:db8::9", 1, "2001:db8::1", 22);
  const auto s = step(tbl::ActionKind::Unix, 0, false, 0, 0, 2);
  for (int i = 0; i < 5; ++i) log.record(t, s, "/a", 0, 5000 + i);
  CHECK(lines(p.theirs.get()).size() == 2);
  CHECK(counters.suppressed == 3);
  log.record(t, s, "/a", 0, 6000);  // a new window: the summary first
  auto got = lines(p.theirs.get());
  REQUIRE(got.size() == 2);
  CHECK(got[0] == "sbd: 3 connection log lines suppressed in the last second");
  CHECK(got[1].rfind("sbd: connection client=- ", 0) == 0);
  log.record(t, s, "/a", 0, 6001);
  log.record(t, s, "/a", 0, 6002);  // held back
  CHECK(lines(p.theirs.get()).size() == 1);
  log.flush_suppressed();
  got = lines(p.theirs.get());
  REQUIRE(got.size() == 1);
  CHECK(got[0] == "sbd: 1 connection log lines suppressed in the last second");
}

TEST_CASE("a full stderr socket drops lines and counts them, without blocking") {
  Pair p;
  const int small = 4096;
  ::setsockopt(p.ours.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ConnectionLogCounters counters;
  ConnectionLog::Config c;
  c.plain_fd = p.ours.get();
  c.per_second = 1000000;
  ConnectionLog log(c, counters);
  const auto t = tuple("2001:db8::9", 1, "2001:db8::1", 22);
  for (int i = 0; i < 2000; ++i)
    log.record(t, step(tbl::ActionKind::Unix, 0, false, 0, 0, 2), "/a", 0, 1000);
  CHECK(counters.dropped > 0);
}

TEST_CASE("journal entries carry the SB_ fields, to an injected socket path") {
  TempDir dir;
  const std::string path = dir / "journal.sock";
  ReceiverSocket journal(path);
  REQUIRE(journal.fd);
  ConnectionLogCounters counters;
  ConnectionLog::Config c;
  c.journal = path.c_str();
  c.clients = ClientLogging::Prefix;
  ConnectionLog log(c, counters);
  REQUIRE(log.uses_journal());
  log.record(tuple("::ffff:192.0.2.1", 1234, "2001:db8::1", 22),
             step(tbl::ActionKind::Unix, 0, false, 0, 1, 3), "/run/x.sock", ENOENT, 1000);
  char buf[4096];
  const ssize_t n = ::recv(journal.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n)) ==
        "PRIORITY=4\n"
        "SYSLOG_IDENTIFIER=sbd\n"
        "MESSAGE=192.0.2.0/24 -> [2001:db8::1]:22 (rule-set:0 line 3): /run/x.sock: failed: No "
        "such file or directory\n"
        "SB_CLIENT=192.0.2.0/24\n"
        "SB_DEST=[2001:db8::1]:22\n"
        "SB_ROUTE=rule-set:0 line 3\n"
        "SB_TARGET=/run/x.sock\n"
        "SB_RESULT=failed\n"
        "SB_REASON=No such file or directory\n");
  // A success has no SB_REASON.
  log.record(tuple("2001:db8::5", 1, "2001:db8::1", 22),
             step(tbl::ActionKind::Fd, 4, true, 2, 0, 7), nullptr, 0, 1000);
  const ssize_t m = ::recv(journal.fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  REQUIRE(m > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(m)) ==
        "PRIORITY=6\n"
        "SYSLOG_IDENTIFIER=sbd\n"
        "MESSAGE=2001:db8::/64 -> [2001:db8::1]:22 (map-set:2 line 7): fd:4: sent\n"
        "SB_CLIENT=2001:db8::/64\n"
        "SB_DEST=[2001:db8::1]:22\n"
        "SB_ROUTE=map-set:2 line 7\n"
        "SB_TARGET=fd:4\n"
        "SB_RESULT=sent\n");
}

TEST_CASE("a journal socket that cannot be reached falls back to plain lines") {
  TempDir dir;
  const std::string path = dir / "nobody.sock";
  Pair p;
  ConnectionLogCounters counters;
  ConnectionLog::Config c;
  c.journal = path.c_str();
  c.plain_fd = p.ours.get();
  errno = 0;
  ConnectionLog log(c, counters);
  CHECK(log.journal_failed());
  CHECK(errno == ENOENT);
  CHECK_FALSE(log.uses_journal());
  log.record(tuple("2001:db8::9", 1, "2001:db8::1", 22),
             step(tbl::ActionKind::Unix, 0, false, 0, 0, 2), "/a", 0, 1000);
  CHECK(lines(p.theirs.get()).size() == 1);
}
