#include "control_protocol.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "socketbox/table/parser.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

struct FakeDaemon : ControlHandler {
  CounterRegistry counters;
  int reloads = 0;
  bool reload_ok = true;
  StatusInfo status() override {
    StatusInfo s;
    s.listen = "[::ffff:127.0.0.1]:1";
    s.table = "/etc/t\"x.conf";
    s.generation = 3;
    s.uptime_s = 42;
    s.pid = 1234;
    s.counters = &counters;
    return s;
  }
  ReloadRequest reload() override {
    ++reloads;
    ReloadRequest q;
    socketbox::control::ReloadAnswer& r = q.outcome;
    r.ok = reload_ok;
    r.generation = 4;
    if (!reload_ok) r.error = "/t.conf:2:5: error: expected \"x\"";
    return q;
  }
  int listener_fd = -1;
  ListenerResult listener(socketbox::UniqueFd fd) override {
    listener_fd = fd.get();
    return {8443, ""};
  }
};

bool is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

}  // namespace

TEST_CASE("status lists connections and per-target counters") {
  FakeDaemon d;
  const tbl::Table t = tbl::parse_table(
      "rule-set:0\nport:22 jump-unix:/a.sock\nport:80 jump-fd:5\ndefault jump-unix:/b.sock\n");
  auto bound = d.counters.bind(t);
  REQUIRE(bound.size() == 2);
  bound[0]->sent = 7;
  bound[1]->count_failure(SendFailure::Missing);
  bound[1]->count_failure(SendFailure::Full);
  bound[1]->failovers = 1;
  d.counters.connections.accepted = 9;
  d.counters.connections.dispatched = 7;
  d.counters.connections.failed = 2;
  REQUIRE(d.counters.for_fd(5));
  CHECK(
      answer_command("status\n", d).text ==
      "{\"listen\":\"[::ffff:127.0.0.1]:1\",\"table\":\"/etc/"
      "t\\\"x.conf\",\"generation\":3,\"uptime_s\":42,"
      "\"pid\":1234,\"reloading\":false,\"event_loop\":\"epoll\",\"connections\":{\"accepted\":9,"
      "\"dispatched\":7,\"no_"
      "match\":0,\"failed\":2,"
      "\"accept_backoffs\":0},\"retired\":{\"targets\":0,\"sent\":0,\"failed\":{\"missing\":0,"
      "\"refused\":0,\"full\":0,\"other\":0}},\"targets_total\":3,\"truncated\":false,\"targets\":["
      "{\"path\":\"/"
      "a.sock\",\"sent\":7,\"failed\":{\"missing\":0,\"refused\":0,\"full\":0,\"other\":0},"
      "\"failovers\":0,\"in_table\":true},"
      "{\"path\":\"/"
      "b.sock\",\"sent\":0,\"failed\":{\"missing\":1,\"refused\":0,\"full\":1,\"other\":0},"
      "\"failovers\":1,\"in_table\":true},"
      "{\"fd\":5,\"sent\":0,\"failed\":{\"missing\":0,\"refused\":0,\"full\":0,\"other\":0},"
      "\"failovers\":0,\"in_table\":true}],\"listeners\":[]}");
  CHECK(answer_command("counters", d).text == answer_command("status\r\n", d).text);
}

TEST_CASE("counters survive a reload, keyed by path") {
  CounterRegistry reg;
  auto first =
      reg.bind(tbl::parse_table("rule-set:0\nport:1 jump-unix:/a\ndefault jump-unix:/b\n"));
  first[0]->sent = 5;
  first[1]->sent = 2;
  auto second =
      reg.bind(tbl::parse_table("rule-set:0\nport:1 jump-unix:/c\ndefault jump-unix:/a\n"));
  REQUIRE(second.size() == 2);
  CHECK(second[1]->sent == 5);  // /a, now target 1
  CHECK(second[1] == first[0]);
  // /b left the table: folded into the retired total, not kept.
  CHECK(reg.paths().count("/b") == 0);
  CHECK(reg.retired_targets() == 1);
  CHECK(reg.retired().sent == 2);
  CHECK(reg.paths().at("/c").in_table == true);
  CHECK(reg.for_fd(3) == nullptr);
}

TEST_CASE("reload answers ok with the generation, or the table's error") {
  FakeDaemon d;
  CHECK(answer_command("reload\n", d).text == "{\"ok\":true,\"generation\":4}");
  d.reload_ok = false;
  CHECK(answer_command("reload", d).text ==
        "{\"ok\":false,\"error\":\"/t.conf:2:5: error: expected \\\"x\\\"\"}");
  CHECK(d.reloads == 2);
}

TEST_CASE("unknown commands get an error and change nothing") {
  FakeDaemon d;
  const std::string a = answer_command("shutdown\n", d).text;
  CHECK(a.rfind("{\"ok\":false,\"error\":\"unknown command 'shutdown'", 0) == 0);
  // Not shaped like a failed reload: it says what kind of refusal it is.
  CHECK(a.find(",\"kind\":\"unknown_command\"}") != std::string::npos);
  CHECK(answer_command("", d).text.rfind("{\"ok\":false", 0) == 0);
  CHECK(answer_command("status targets x 1", d).text.find("\"kind\":\"bad_arguments\"") !=
        std::string::npos);
  CHECK(answer_command("status target /nowhere", d).text.find("\"kind\":\"no_such_target\"") !=
        std::string::npos);
  CHECK(d.reloads == 0);
}

TEST_CASE("listener takes the descriptor; any other command closes it") {
  FakeDaemon d;
  CHECK(
      answer_command("listener", d).text ==
      R"({"ok":false,"error":"listener needs a listening socket attached","kind":"bad_arguments"})");
  int fd = dup(0);
  REQUIRE(fd >= 0);
  CHECK(answer_command("listener\n", d, socketbox::UniqueFd(fd)).text ==
        R"({"ok":true,"port":8443})");
  CHECK(d.listener_fd == fd);
  CHECK_FALSE(is_open(fd));  // the fake did not keep it

  fd = dup(0);
  CHECK(answer_command("listener now", d, socketbox::UniqueFd(fd)).text.find("bad_arguments") !=
        std::string::npos);
  CHECK_FALSE(is_open(fd));
  d.listener_fd = -1;
  fd = dup(0);
  CHECK(d.answer_line_with_fd("status", socketbox::UniqueFd(fd)).text.find("\"listeners\":[]") !=
        std::string::npos);
  CHECK_FALSE(is_open(fd));
  CHECK(d.listener_fd == -1);
}
