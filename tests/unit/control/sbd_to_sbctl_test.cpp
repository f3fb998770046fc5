// sbd's real answers (its command dispatch, over real counters) read by
// sbctl's real parser: no hand-copied JSON between the two sides.
#include <catch2/catch.hpp>
#include <string>

#include "control/control_client.hpp"
#include "control_protocol.hpp"
#include "socketbox/control_protocol.hpp"
#include "socketbox/table/parser.hpp"

namespace ctl = socketbox::control;
namespace dmn = socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

struct FakeSbd : dmn::ControlHandler {
  dmn::CounterRegistry counters;
  bool reload_ok = true;
  dmn::StatusInfo status() override {
    dmn::StatusInfo s;
    s.listen = "[::ffff:127.0.0.1]:1";
    s.table = "/etc/socketbox/sbd \"main\".conf";
    s.generation = 3;
    s.uptime_s = 42;
    s.pid = 77;
    s.counters = &counters;
    return s;
  }
  dmn::ReloadRequest reload() override {
    dmn::ReloadRequest q;
    q.outcome = {reload_ok, 4, reload_ok ? "" : "/t.conf:2:5: error: expected \"x\""};
    return q;
  }
  std::string ask(const std::string& command) { return answer_command(command, *this).text; }
};

// A table of `n` unix targets (/t0000...) and one jump-fd:5.
std::string table_text(int n) {
  std::string t = "rule-set:0\nport:1 jump-fd:5\n";
  for (int i = 0; i < n; ++i) {
    char p[16];
    std::snprintf(p, sizeof p, "/t%04d", i);
    t += "port:" + std::to_string(i + 2) + " jump-unix:" + p + "\n";
  }
  return t + "default fail\n";
}

}  // namespace

TEST_CASE("sbctl reads sbd's status answer as sbd meant it", "[control]") {
  FakeSbd d;
  auto bound = d.counters.bind(tbl::parse_table(table_text(2)));
  REQUIRE(bound.size() == 2);  // the unix targets, by table index; fds apart
  bound[0]->sent = 7;
  bound[1]->count_failure(dmn::SendFailure::Missing);
  d.counters.connections = {9, 7, 1, 1, 2};
  REQUIRE(d.counters.for_fd(5));

  const std::string line = d.ask("status\n");
  const socketbox::sbctl::SbdStatus s = socketbox::sbctl::parse_status(line);
  CHECK(s.raw == line);
  CHECK(s.answer == dmn::status_answer(d.status()));
  const ctl::StatusAnswer& a = s.answer;
  CHECK(a.table == "/etc/socketbox/sbd \"main\".conf");
  CHECK(a.pid == 77);
  CHECK(a.connections.accepted == 9);
  CHECK(a.connections.accept_backoffs == 2);
  CHECK(a.targets_total == 3);
  CHECK_FALSE(a.truncated);
  REQUIRE(a.targets.size() == 3);
  CHECK(a.targets[0].name() == "/t0000");
  CHECK(a.targets[0].sent == 7);
  CHECK(a.targets[1].failed.missing == 1);
  CHECK(a.targets[2].name() == "fd:5");
}

TEST_CASE("sbctl reads sbd's bounded status and its pages", "[control]") {
  FakeSbd d;
  const int n = static_cast<int>(ctl::kStatusTop) + 50;
  auto bound = d.counters.bind(tbl::parse_table(table_text(n)));
  bound[120]->sent = 1000;  // /t0120, among the busiest
  const ctl::StatusAnswer a = socketbox::sbctl::parse_status(d.ask("status")).answer;
  CHECK(a.targets_total == static_cast<std::uint64_t>(n) + 1);
  CHECK(a.truncated);
  CHECK(a.targets.size() == ctl::kStatusTop);

  std::uint64_t seen = 0;
  for (std::uint64_t off = 0;;) {
    const auto page = ctl::parse_answer<ctl::StatusPageAnswer>(
        d.ask("status targets " + std::to_string(off) + " 64"));
    CHECK(page.offset == off);
    CHECK(page.targets_total == a.targets_total);
    seen += page.targets.size();
    off += page.targets.size();
    if (!page.truncated) break;
  }
  CHECK(seen == a.targets_total);

  const auto one = ctl::parse_answer<ctl::TargetAnswer>(d.ask("status target /t0120"));
  CHECK(one.target.sent == 1000);
  CHECK(ctl::parse_answer<ctl::TargetAnswer>(d.ask("status target fd:5")).target.name() == "fd:5");
  try {
    (void)ctl::parse_answer<ctl::TargetAnswer>(d.ask("status target /nowhere"));
    FAIL("no error");
  } catch (const ctl::RefusedError& e) {
    CHECK(e.answer().kind == ctl::ErrorKind::NoSuchTarget);
    CHECK(std::string(e.what()) == "no target '/nowhere' in sbd's table");
  }
}

TEST_CASE("sbctl reads sbd's reload answers, and tells a refusal from a failed reload",
          "[control]") {
  FakeSbd d;
  CHECK(ctl::parse_answer<ctl::ReloadAnswer>(d.ask("reload")) == ctl::ReloadAnswer{true, 4, {}});
  d.reload_ok = false;
  CHECK(ctl::parse_answer<ctl::ReloadAnswer>(d.ask("reload")) ==
        ctl::ReloadAnswer{false, 0, "/t.conf:2:5: error: expected \"x\""});
  CHECK_THROWS_AS(ctl::parse_answer<ctl::ReloadAnswer>(d.ask("frobnicate")), ctl::RefusedError);
  const auto e = ctl::error_in(d.ask("status targets 1"));
  REQUIRE(e);
  CHECK(e->kind == ctl::ErrorKind::BadArguments);
  CHECK(e->error == "usage: status targets OFFSET COUNT");
  CHECK(ctl::error_in(d.ask("frobnicate"))->kind == ctl::ErrorKind::UnknownCommand);
}
