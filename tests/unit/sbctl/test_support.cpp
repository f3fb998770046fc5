// The pieces around the compiler: the generations store, kernel-state
// snapshots, the control client's errors, the table diff and JSON output.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "control/control_client.hpp"
#include "output/json_writer.hpp"
#include "output/line_diff.hpp"
#include "output/text_table.hpp"
#include "socketbox/table/parser.hpp"
#include "state/generation_store.hpp"
#include "state/snapshot.hpp"
#include "util/files.hpp"

using namespace socketbox::sbctl;
namespace nc = socketbox::netcfg;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/sbctl-unit.XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

}  // namespace

TEST_CASE("kernel state survives a trip through kernel.toml", "[state]") {
  nc::DesiredState d;
  d.tproxy_port = 8;
  d.local_clients = true;
  nc::Steer s;
  s.prefixes.push_back(*nc::Prefix::parse("fd01:db8:1:40::/64"));
  s.prefixes.push_back(*nc::Prefix::parse("192.0.2.0/24"));
  s.ports = {{22, 22}, {8000, 8100}};
  s.limits.max_conn = 20;
  s.limits.rate = 100;
  s.limits.rate_unit = 60;
  s.limits.burst = 40;
  s.limits.prefix6 = 56;
  s.limits.prefix4 = 24;
  d.steers.push_back(s);
  nc::Steer any;
  any.prefixes.push_back(*nc::Prefix::parse("198.51.100.0/24"));
  d.steers.push_back(any);
  // A listener route's block: its own TPROXY port survives a rollback.
  nc::Steer own({*nc::Prefix::parse("fd01:db8:1:40::10/128")}, {{80, 80}});
  own.tproxy_port = 8001;
  d.steers.push_back(own);
  const std::string text = kernel_state_to_toml(d, "test");
  const nc::DesiredState back = kernel_state_from_toml(text, "k.toml");
  CHECK(back.tproxy_port == 8);
  CHECK(back.local_clients);
  REQUIRE(back.steers.size() == 3);
  CHECK(back.steers[0] == d.steers[0]);
  CHECK(back.steers[1] == d.steers[1]);
  CHECK(back.steers[2] == d.steers[2]);
}

TEST_CASE("snapshots: absent table and absent kernel state are recorded as such", "[state]") {
  TempDir t;
  Snapshot s;
  save_snapshot(s, t.path + "/before");
  const Snapshot back = load_snapshot(t.path + "/before");
  CHECK_FALSE(back.kernel);
  CHECK_FALSE(back.table);
  s.kernel = nc::DesiredState{};
  s.table = "rule-set:0\n";
  save_snapshot(s, t.path + "/before");
  const Snapshot again = load_snapshot(t.path + "/before");
  CHECK(again.kernel);
  CHECK(again.table == "rule-set:0\n");
  CHECK_THROWS_AS(load_snapshot(t.path + "/nothing"), FileError);
}

TEST_CASE("a saved table that is not a regular file is refused, not waited on", "[state]") {
  TempDir t;
  Snapshot s;
  s.table = "rule-set:0\n";
  save_snapshot(s, t.path + "/before");
  const std::string table = t.path + "/before/sbd.conf";
  REQUIRE(::unlink(table.c_str()) == 0);
  REQUIRE(::mkfifo(table.c_str(), 0600) == 0);
  try {
    load_snapshot(t.path + "/before");
    FAIL("loaded");
  } catch (const socketbox::table::ParseError& e) {
    CHECK(std::string(e.what()) == table + ": is a FIFO, not a regular file");
  }
}

TEST_CASE("the generations store: ids, meta, current", "[state]") {
  TempDir t;
  GenerationStore store(t.path + "/state");
  store.lock();
  CHECK_FALSE(store.current());
  CHECK(store.next_id() == 1);
  store.create(1);
  GenerationMeta m;
  m.id = 1;
  m.state = GenState::Pending;
  m.previous = 0;
  m.profile = "/etc/p.toml";
  m.netns = "router";
  m.table = "/etc/socketbox/sbd.conf";
  m.control = "/run/socketbox/sbd.ctl";
  m.created = 1000;
  m.deadline = 1060;
  m.note = "two\nlines";
  store.write_meta(m);
  store.set_current(1);
  CHECK(store.current() == 1u);
  CHECK(store.next_id() == 2);
  const GenerationMeta r = store.read_meta(1);
  CHECK(r.state == GenState::Pending);
  CHECK(r.netns == "router");
  CHECK(r.deadline == 1060);
  CHECK(r.note == "two lines");
  store.create(2);
  store.set_current(2);
  CHECK(store.current() == 2u);
  CHECK(store.list() == std::vector<unsigned>{1, 2});
  store.remove(2);
  store.set_current(std::nullopt);
  CHECK_FALSE(store.current());
  CHECK(store.list() == std::vector<unsigned>{1});
}

TEST_CASE("a control socket nobody listens on means sbd is not running", "[control]") {
  try {
    control_request("/nonexistent/sbd.ctl", "status", 1000);
    FAIL("no error");
  } catch (const ControlError& e) {
    CHECK(e.not_running());
  }
}

TEST_CASE("the table diff is a unified diff with context", "[output]") {
  CHECK(unified_diff("a\nb\nc\n", "a\nb\nc\n").empty());
  CHECK(unified_diff("a\nb\nc\nd\ne\nf\n", "a\nb\nc\nX\ne\nf\n") ==
        std::vector<std::string>{"@@ -2,5 +2,5 @@", " b", " c", "-d", "+X", " e", " f"});
  CHECK(unified_diff("", "x\n") == std::vector<std::string>{"@@ -0,0 +1,1 @@", "+x"});
}

TEST_CASE("JSON output escapes strings; aligned tables pad plain text", "[output]") {
  CHECK(json_quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
  JsonWriter w;
  w.begin_object()
      .key("a")
      .value(static_cast<std::int64_t>(1))
      .key("b")
      .begin_array()
      .value("x")
      .value(true)
      .end_array()
      .key("c")
      .null()
      .end_object();
  CHECK(w.str() == R"({"a":1,"b":["x",true],"c":null})");
  TextTable t;
  t.add({"route", "1"});
  t.add({"verdict", Cell("closed", Color::Red)});
  CHECK(t.render(Style(false)) == "route    1\nverdict  closed\n");
  CHECK(t.render(Style(true)) == "route    1\nverdict  \033[31mclosed\033[0m\n");
}

TEST_CASE("generation states are words in the meta file and enums in code", "[state]") {
  for (const GenState s : {GenState::Incomplete, GenState::Interrupted, GenState::Pending,
                           GenState::Applied, GenState::RolledBack})
    CHECK(parse_gen_state(to_word(s)) == s);
  CHECK(parse_rollback_reason(to_word(RollbackReason::NotConfirmed)) ==
        RollbackReason::NotConfirmed);
  CHECK_FALSE(parse_gen_state("Applied"));

  TempDir t;
  GenerationStore store(t.path + "/state");
  store.lock();
  store.create(1);
  GenerationMeta m;
  m.id = 1;
  m.state = GenState::RolledBack;
  m.kind = GenKind::Down;
  m.reason = RollbackReason::Operator;
  store.write_meta(m);
  const GenerationMeta r = store.read_meta(1);
  CHECK(r.state == GenState::RolledBack);
  CHECK(r.kind == GenKind::Down);
  CHECK(r.reason == RollbackReason::Operator);
  CHECK(r.probe_result.empty());
  CHECK(read_file(store.path_of(1) + "/meta").find("probe") == std::string::npos);

  // apply --probe's outcome: one line each, kept as written.
  m.reason = RollbackReason::ProbeFailed;
  m.probe_result = "failed";
  m.probe = "probe [2001:db8::10]:80@client: connection refused";
  m.rollback_check = "verified: the kernel state equals the one from before";
  store.write_meta(m);
  const GenerationMeta p = store.read_meta(1);
  CHECK(p.reason == RollbackReason::ProbeFailed);
  CHECK(p.probe_result == "failed");
  CHECK(p.probe == m.probe);
  CHECK(p.rollback_check == m.rollback_check);
  CHECK(to_word(RollbackReason::ProbeFailed) == "probe-failed");

  // A word this version does not know is refused with the file and line.
  write_file_atomic(store.path_of(1) + "/meta", "kind=apply\nstate=half-done\n");
  CHECK_THROWS_WITH(store.read_meta(1), store.path_of(1) + "/meta:2: unknown state 'half-done'");
}

TEST_CASE("snapshots record sb-relay's file only when the generation manages it",
          "[state][relay]") {
  TempDir t;
  Snapshot s;
  s.table = "rule-set:0\n";
  save_snapshot(s, t.path + "/a");
  CHECK_FALSE(load_snapshot(t.path + "/a").relay_recorded);
  s.relay_recorded = true;
  save_snapshot(s, t.path + "/b");
  const Snapshot none = load_snapshot(t.path + "/b");
  CHECK(none.relay_recorded);
  CHECK_FALSE(none.relay);
  s.relay = "# generated by sbctl\n";
  save_snapshot(s, t.path + "/b");
  const Snapshot some = load_snapshot(t.path + "/b");
  CHECK(some.relay_recorded);
  CHECK(some.relay == "# generated by sbctl\n");
}

TEST_CASE("the generations store keeps sb-relay's paths in meta", "[state][relay]") {
  TempDir t;
  GenerationStore store(t.path);
  store.lock();
  store.create(1);
  GenerationMeta m;
  m.id = 1;
  m.relay_config = "/etc/socketbox/relay.toml";
  m.relay_control = "/run/socketbox/relay.ctl";
  store.write_meta(m);
  const GenerationMeta back = store.read_meta(1);
  CHECK(back.relay_config == "/etc/socketbox/relay.toml");
  CHECK(back.relay_control == "/run/socketbox/relay.ctl");
}

TEST_CASE("sb-relay's status answer, as the protocol writes it, is what sbctl reads",
          "[control][relay]") {
  socketbox::control::RelayStatusAnswer sent{9, 3, 2, 0, 1, 4096, {}};
  sent.relays.push_back(
      {"/run/socketbox/relay/web.sock", "tcp:[::1]:80", "v2", 5, 4, 1, 0, 0, 0, 1, 100, 2000});
  const RelayStatus s = parse_relay_status(socketbox::control::to_line(sent));
  CHECK(s.answer == sent);
  CHECK(s.raw == socketbox::control::to_line(sent));
  CHECK_THROWS_AS(parse_relay_status("{"), socketbox::control::ProtocolError);
  CHECK_THROWS_AS(parse_relay_status(R"({"pid":9})"), socketbox::control::ProtocolError);
}
