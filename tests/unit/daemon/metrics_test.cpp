// sbd's `metrics` answer: names, escaping, and the layout Prometheus reads.
#include "metrics.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "socketbox/metrics_text.hpp"
#include "socketbox/table/parser.hpp"

using namespace socketbox::daemon;
namespace tbl = socketbox::table;

namespace {

struct Fake : ControlHandler {
  CounterRegistry counters;
  StatusInfo status() override {
    StatusInfo s;
    s.generation = 3;
    s.started_unix_s = 1700000000;
    s.counters = &counters;
    s.listeners = listeners;
    return s;
  }
  std::vector<socketbox::control::ListenerStatus> listeners;
  ReloadRequest reload() override { return {}; }
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Every sample belongs to the family declared just before it (HELP, then
// TYPE), counters end in _total, names are valid, the text ends in # EOF.
void check_layout(const std::string& text) {
  const auto ls = lines(text);
  REQUIRE(!ls.empty());
  CHECK(ls.back() == "# EOF");
  std::string family, help_of;
  for (std::size_t i = 0; i + 1 < ls.size(); ++i) {
    const std::string& l = ls[i];
    INFO(l);
    if (l.rfind("# HELP ", 0) == 0) {
      help_of = l.substr(7, l.find(' ', 7) - 7);
      CHECK(socketbox::metrics_valid_name(help_of));
      CHECK(help_of.rfind("socketbox_sbd_", 0) == 0);
    } else if (l.rfind("# TYPE ", 0) == 0) {
      family = l.substr(7, l.find(' ', 7) - 7);
      CHECK(family == help_of);
      const std::string type = l.substr(8 + family.size());
      CHECK((type == "counter" || type == "gauge"));
      if (type == "counter") CHECK(family.size() > 6);
      if (type == "counter") CHECK(family.substr(family.size() - 6) == "_total");
      if (type == "gauge") CHECK(family.find("_total") == std::string::npos);
    } else {
      const std::string name = l.substr(0, l.find_first_of("{ "));
      CHECK(name == family);
    }
  }
}

}  // namespace

TEST_CASE("label values and help text are escaped as the text format says") {
  std::string out;
  socketbox::metrics_label_escape(out, "a\"b\\c\nd/é");
  CHECK(out == "a\\\"b\\\\c\\nd/é");
  out.clear();
  socketbox::metrics_help_escape(out, "x \"q\" \\ \n y");
  CHECK(out == "x \"q\" \\\\ \\n y");
  socketbox::MetricsText m;
  m.family("x_total", "counter", "h").sample("x_total", "target", "/a\"b", 2, "reason", "full");
  CHECK(m.finish() ==
        "# HELP x_total h\n# TYPE x_total counter\nx_total{target=\"/a\\\"b\","
        "reason=\"full\"} 2\n# EOF\n");
  CHECK(socketbox::metrics_valid_name("socketbox_sbd_up"));
  CHECK_FALSE(socketbox::metrics_valid_name("1x"));
  CHECK_FALSE(socketbox::metrics_valid_name("a-b"));
  CHECK_FALSE(socketbox::metrics_valid_name("a:b", true));
}

TEST_CASE("metrics answers every counter sbd keeps, per target and reason") {
  Fake d;
  const tbl::Table t = tbl::parse_table(
      "rule-set:0\nport:22 jump-unix:/run/q\"u\\o.sock\nport:80 jump-fd:5\n"
      "default jump-unix:/b.sock\n");
  auto bound = d.counters.bind(t);
  REQUIRE(bound.size() == 2);
  bound[0]->sent = 7;
  bound[1]->count_failure(SendFailure::Missing);
  bound[1]->count_failure(SendFailure::Full);
  bound[1]->count_failure(SendFailure::Full);
  bound[1]->failovers = 2;
  d.counters.connections = {12, 7, 2, 3, 1};
  d.counters.reloads = {4, 1};
  d.counters.connection_log = {6, 9};
  d.listeners = {{8001, "/run/web.sock", true, 2, ""},
                 {8002, "/run/ssh.sock", false, 0, "Connection refused"}};
  const std::string text = answer_command("metrics\n", d).text;
  // The control server adds the last newline.
  REQUIRE(text.size() > 6);
  CHECK(text.substr(text.size() - 6) == "\n# EOF");
  check_layout(text + "\n");
  const auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find("\n" + line + "\n") != std::string::npos);
  };
  has("socketbox_sbd_connections_accepted_total 12");
  has("socketbox_sbd_connections_dispatched_total 7");
  has("socketbox_sbd_connections_no_match_total 2");
  has("socketbox_sbd_connections_failed_total 3");
  has("socketbox_sbd_accept_backoffs_total 1");
  has("socketbox_sbd_reloads_total{result=\"ok\"} 4");
  has("socketbox_sbd_reloads_total{result=\"failed\"} 1");
  has("socketbox_sbd_table_generation 3");
  has("socketbox_sbd_start_time_seconds 1700000000");
  has("socketbox_sbd_event_loop_info{loop=\"epoll\"} 1");
  has("socketbox_sbd_targets 3");
  has("socketbox_sbd_target_sent_total{target=\"/run/q\\\"u\\\\o.sock\"} 7");
  has("socketbox_sbd_target_sent_total{target=\"fd:5\"} 0");
  has("socketbox_sbd_target_failed_total{target=\"/b.sock\",reason=\"missing\"} 1");
  has("socketbox_sbd_target_failed_total{target=\"/b.sock\",reason=\"full\"} 2");
  has("socketbox_sbd_target_failed_total{target=\"/b.sock\",reason=\"refused\"} 0");
  has("socketbox_sbd_target_failovers_total{target=\"/b.sock\"} 2");
  has("socketbox_sbd_target_failovers_total{target=\"fd:5\"} 0");
  has("socketbox_sbd_retired_failed_total{reason=\"other\"} 0");
  has("socketbox_sbd_connection_log_dropped_total{reason=\"full\"} 6");
  has("socketbox_sbd_connection_log_dropped_total{reason=\"rate\"} 9");
  has("socketbox_sbd_listener_held{port=\"8001\",server=\"/run/web.sock\"} 1");
  has("socketbox_sbd_listener_held{port=\"8002\",server=\"/run/ssh.sock\"} 0");
  has("socketbox_sbd_listener_delivered_total{port=\"8001\",server=\"/run/web.sock\"} 2");
  has("socketbox_sbd_listener_failing{port=\"8001\",server=\"/run/web.sock\"} 0");
  has("socketbox_sbd_listener_failing{port=\"8002\",server=\"/run/ssh.sock\"} 1");
  CHECK(text.rfind("# HELP socketbox_sbd_connections_accepted_total ", 0) == 0);
}

TEST_CASE("metrics takes no arguments and is named in the usage") {
  Fake d;
  CHECK(answer_command("metrics x", d).text.find("unknown command") != std::string::npos);
  CHECK(answer_command("nope", d).text.find("status, counters, metrics, reload or listener") !=
        std::string::npos);
}
