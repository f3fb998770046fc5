// Every control message: struct -> JSON line -> struct gives it back, and a
// missing or mistyped field is an error that names it.
#include <catch2/catch.hpp>
#include <string>

#include "socketbox/control_protocol.hpp"

using namespace socketbox::control;

namespace {

TargetStatus path_target(std::string path, std::uint64_t sent) {
  TargetStatus t;
  t.path = std::move(path);
  t.sent = sent;
  t.failed = {1, 2, 3, 4};
  t.failovers = 3;
  return t;
}

TargetStatus fd_target(std::uint32_t fd) {
  TargetStatus t;
  t.fd = fd;
  t.failed.full = 9;
  t.in_table = false;
  return t;
}

StatusAnswer sample_status() {
  StatusAnswer s;
  s.listen = "[::ffff:127.0.0.1]:1";
  s.table = "/etc/t\"x\n\\y caf\xc3\xa9.conf";
  s.generation = 3;
  s.uptime_s = 42;
  s.pid = 1234;
  s.reloading = true;
  s.event_loop = "io_uring";
  s.connections = {10, 7, 2, 1, 5};
  s.retired = {4, 9, {0, 1, 0, 2}};
  s.targets_total = 100001;
  s.truncated = true;
  s.targets = {path_target("/vm7/a", 7), path_target("/b", UINT64_MAX), fd_target(3)};
  s.listeners = {{8443, "/run/web.sock", true, 2, ""},
                 {9000, "/run/gone.sock", false, 0, "Connection refused"},
                 {22, "", true, 0, ""}};
  return s;
}

template <class T>
T round_trip(const T& v, std::string_view who = "sbd") {
  const std::string line = to_line(v);
  CHECK(line.find('\n') == std::string::npos);  // one line
  return parse_answer<T>(line, who);
}

std::string error_of(std::string_view line, std::string_view who = "sbd") {
  try {
    (void)parse_answer<StatusAnswer>(line, who);
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "no error";
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("every control message round trips", "[control]") {
  const StatusAnswer s = sample_status();
  CHECK(round_trip(s) == s);
  CHECK(round_trip(StatusAnswer{}) == StatusAnswer{});

  StatusPageAnswer p{100001, 1000, true, {path_target("/p", 1), fd_target(0xffffffffu)}};
  CHECK(round_trip(p) == p);
  CHECK(round_trip(StatusPageAnswer{}) == StatusPageAnswer{});

  CHECK(round_trip(TargetAnswer{path_target("/t", 5)}) == TargetAnswer{path_target("/t", 5)});
  CHECK(round_trip(TargetAnswer{fd_target(7)}) == TargetAnswer{fd_target(7)});

  CHECK(round_trip(ReloadAnswer{true, 8, {}}) == ReloadAnswer{true, 8, {}});
  const ReloadAnswer bad{false, 0, "/t.conf:2:5: error: expected \"x\""};
  CHECK(round_trip(bad) == bad);

  for (const ErrorKind k : {ErrorKind::UnknownCommand, ErrorKind::BadArguments,
                            ErrorKind::CommandTooLong, ErrorKind::NoSuchTarget}) {
    const ErrorAnswer e{k, "refused: " + std::string(to_word(k))};
    CHECK(round_trip(e) == e);
    CHECK(error_in(to_line(e)) == e);
  }

  CHECK(round_trip(ListenerAnswer{65535}) == ListenerAnswer{65535});

  RelayStatusAnswer r{77, 5, 2, 1, 3, 4096, {}};
  r.relays.push_back({"/run/r.sock", "tcp:[::1]:80", "v2", 1, 2, 3, 4, 5, 6, 7, 8, 9});
  r.relays.push_back({"/run/s.sock", "unix:/x", "none", 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(round_trip(r, "sb-relay") == r);
}

TEST_CASE("the wire keeps the field names and order the daemons always sent", "[control]") {
  CHECK(to_line(ReloadAnswer{true, 2, {}}) == R"({"ok":true,"generation":2})");
  CHECK(to_line(ReloadAnswer{false, 2, "e"}) == R"({"ok":false,"error":"e"})");
  CHECK(to_line(ErrorAnswer{ErrorKind::UnknownCommand, "x"}) ==
        R"({"ok":false,"error":"x","kind":"unknown_command"})");
  CHECK(to_line(TargetAnswer{fd_target(3)}) ==
        R"({"target":{"fd":3,"sent":0,"failed":{"missing":0,"refused":0,"full":9,"other":0},)"
        R"("failovers":0,"in_table":false}})");
  const std::string s = to_line(sample_status());
  CHECK(s.rfind(R"({"listen":"[::ffff:127.0.0.1]:1","table":"/etc/t\"x\n\\y caf)", 0) == 0);
  CHECK(
      s.find(
          R"("generation":3,"uptime_s":42,"pid":1234,"reloading":true,)"
          R"("event_loop":"io_uring","connections":{"accepted":10,"dispatched":7,"no_match":2,"failed":1,)"
          R"("accept_backoffs":5},"retired":{"targets":4,"sent":9,)") != std::string::npos);
  CHECK(
      s.find(R"("targets_total":100001,"truncated":true,"targets":[{"path":"/vm7/a","sent":7,)") !=
      std::string::npos);
  CHECK(s.find(R"("listeners":[{"port":8443,"path":"/run/web.sock","held":true,"delivered":2,)"
               R"("last_error":""},)") != std::string::npos);
  CHECK(to_line(ListenerAnswer{8443}) == R"({"ok":true,"port":8443})");
  // Invalid UTF-8 (an operator's unknown command) still makes valid JSON.
  const ErrorAnswer junk{ErrorKind::UnknownCommand, "unknown command '\xff'"};
  CHECK(parse_answer<ErrorAnswer>(to_line(junk)).error == "unknown command '\xef\xbf\xbd'");
}

TEST_CASE("a status from an sbd that did not report its event loop still reads", "[control]") {
  const std::string s = replaced(to_line(sample_status()), R"("event_loop":"io_uring",)", "");
  REQUIRE(s.find("event_loop") == std::string::npos);
  StatusAnswer want = sample_status();
  want.event_loop.clear();
  CHECK(parse_answer<StatusAnswer>(s) == want);
}

TEST_CASE("the fixed lines are what to_line gives", "[control]") {
  CHECK(kOutOfMemoryReloadLine == to_line(ReloadAnswer{false, 0, "out of memory"}));
  CHECK(kCommandTooLongLine ==
        to_line(ErrorAnswer{ErrorKind::CommandTooLong, "command longer than 255 bytes"}));
}

TEST_CASE("a missing or mistyped field is an error that names it, not 0", "[control]") {
  const std::string s = to_line(sample_status());
  CHECK(error_of(replaced(s, R"("accepted":10,)", "")) ==
        "sbd's answer lacks field 'connections.accepted'");
  CHECK(error_of(replaced(s, R"("pid":1234,)", "")) == "sbd's answer lacks field 'pid'");
  CHECK(error_of(replaced(s, R"("failovers":3,)", "")) ==
        "sbd's answer lacks field 'targets[0].failovers'");
  CHECK(error_of(replaced(s, R"("pid":1234)", R"("pid":"1234")")) ==
        "sbd's answer has field 'pid' that is not an integer");
  CHECK(error_of(replaced(s, R"("generation":3)", R"("generation":-3)")) ==
        "sbd's answer has field 'generation' that is not an unsigned integer");
  CHECK(error_of(replaced(s, R"("fd":3)", R"("fd":4294967296)")) ==
        "sbd's answer has field 'targets[2].fd' that is not an unsigned integer");
  CHECK(error_of(replaced(s, R"({"path":"/b",)", "{")) ==
        "sbd's answer lacks field 'targets[1].path'");
  CHECK(error_of(replaced(s, R"("truncated":true)", R"("truncated":1)")) ==
        "sbd's answer has field 'truncated' that is not true or false");
  CHECK(error_of(replaced(s, R"("targets":[)", R"("targets":{"a":[)") + "}") ==
        "sbd's answer has field 'targets' that is not an array");
  CHECK(error_of(replaced(s, R"("missing":1,)", ""), "sb-relay") ==
        "sb-relay's answer lacks field 'targets[0].failed.missing'");
  CHECK(error_of("{\"listen\":") == "sbd's answer is not a JSON object: '{\"listen\":'");
  CHECK(error_of("[1]") == "sbd's answer is not a JSON object: '[1]'");
  CHECK_THROWS_AS(parse_answer<ReloadAnswer>(R"({"ok":true})"), ProtocolError);
  CHECK_THROWS_AS(parse_answer<ErrorAnswer>(R"({"ok":false,"error":"e","kind":"new"})"),
                  ProtocolError);
  CHECK(error_of(replaced(s, R"(,"listeners":[)", R"(,"listenerz":[)")) ==
        "sbd's answer lacks field 'listeners'");
  CHECK(error_of(replaced(s, R"("port":8443)", R"("port":65536)")) ==
        "sbd's answer has field 'listeners[0].port' that is not an unsigned integer below 65536");
  CHECK(error_of(replaced(s, R"("held":false)", R"("held":0)")) ==
        "sbd's answer has field 'listeners[1].held' that is not true or false");
  CHECK(error_of(replaced(s, R"(,"last_error":"Connection refused")", "")) ==
        "sbd's answer lacks field 'listeners[1].last_error'");
  CHECK_THROWS_AS(parse_answer<ListenerAnswer>(R"({"ok":true})"), ProtocolError);
  CHECK_THROWS_AS(parse_answer<ListenerAnswer>(R"({"ok":false,"port":1})"), ProtocolError);
  CHECK_THROWS_AS(parse_answer<ListenerAnswer>(R"({"ok":true,"port":-1})"), ProtocolError);
  CHECK_THROWS_AS(parse_answer<ListenerAnswer>(to_line(ErrorAnswer{
                      ErrorKind::BadArguments, "listener needs a listening socket attached"})),
                  RefusedError);
  CHECK_FALSE(error_in(to_line(ReloadAnswer{false, 0, "e"})));  // a failed reload is not one
  CHECK_FALSE(error_in("not json"));
}

TEST_CASE("an error answer where another was expected is a refusal", "[control]") {
  const std::string e = to_line(ErrorAnswer{ErrorKind::UnknownCommand, "unknown command 'x'"});
  try {
    (void)parse_answer<ReloadAnswer>(e);
    FAIL("no error");
  } catch (const RefusedError& r) {
    CHECK(std::string(r.what()) == "unknown command 'x'");
    CHECK(r.answer().kind == ErrorKind::UnknownCommand);
  }
  CHECK_THROWS_AS(parse_answer<StatusAnswer>(e), RefusedError);
}
