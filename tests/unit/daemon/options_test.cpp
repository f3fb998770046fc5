#include "options.hpp"

#include <catch2/catch.hpp>

using namespace socketbox::daemon;

namespace {
ParseResult parse(std::vector<std::string> a) {
  a.insert(a.begin(), "sbd");
  return parse_options(a);
}
}  // namespace

TEST_CASE("defaults are the original socketbox's") {
  const auto r = parse({});
  REQUIRE(r.options);
  CHECK(r.options->table == "/etc/socketbox.conf");
  CHECK(r.options->listen_address == "::ffff:127.0.0.1");
  CHECK(r.options->port == 80);
  CHECK(r.options->backlog == 4096);
  CHECK_FALSE(r.options->transparent);
  CHECK_FALSE(r.options->no_reuseaddr);
  CHECK(r.options->listen_fd == -1);
  CHECK(r.options->control.empty());
}

TEST_CASE("the original's short letters") {
  const auto r = parse({"-f", "/t.conf", "-l", "::1",     "-p",     "1",  "-t",      "-F", "-r",
                        "-R", "-s",      "3",  "-u",      "nobody", "-g", "nogroup", "-G", "a,b",
                        "-x", "/srv",    "-S", "/s.sock", "-b",     "16", "-U"});
  REQUIRE(r.options);
  const Options& o = *r.options;
  CHECK(o.table == "/t.conf");
  CHECK(o.listen_address == "::1");
  CHECK(o.port == 1);
  CHECK(o.transparent);
  CHECK(o.freebind);
  CHECK(o.reuseport);
  CHECK(o.no_reuseaddr);
  CHECK(o.listen_fd == 3);
  CHECK(o.user == "nobody");
  CHECK(o.group == "nogroup");
  CHECK(o.groups == std::vector<std::string>{"a", "b"});
  CHECK(o.chroot_dir == "/srv");
  CHECK(o.send_all == "/s.sock");
  CHECK(o.backlog == 16);
  CHECK(o.substitute_paths);
}

TEST_CASE("long forms") {
  const auto r =
      parse({"--table", "/t", "--listen-address", "192.0.2.1", "--port", "443", "--transparent",
             "--control", "/run/sbd.ctl", "--check", "--seccomp", "--groups", "x"});
  REQUIRE(r.options);
  CHECK(r.options->table == "/t");
  CHECK(r.options->port == 443);
  CHECK(r.options->transparent);
  CHECK(r.options->control == "/run/sbd.ctl");
  CHECK(r.options->check);
  CHECK(r.options->seccomp);
  CHECK(r.options->groups == std::vector<std::string>{"x"});
}

TEST_CASE("bad values give one line and exit 2") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"-p", "70000"},
                                                                {"-p", "0"},
                                                                {"-p", "http"},
                                                                {"-b", "0"},
                                                                {"-s", "x"},
                                                                {"--bogus"},
                                                                {"--log-clients", "half"},
                                                                {"--log-connections-rate", "0"},
                                                                {"--event-loop", "poll"},
                                                                {"-p"}}) {
    INFO(args[0]);
    const auto r = parse(args);
    CHECK_FALSE(r.options);
    CHECK(r.exit_code == kExitUsage);
    CHECK(r.message.rfind("sbd: ", 0) == 0);
    CHECK(r.message.find('\n') == std::string::npos);
  }
  CHECK(parse({"-p", "70000"}).message.find("70000") != std::string::npos);
  CHECK(parse({"-p", "70000"}).message.find("--port") != std::string::npos);
  const auto bad = parse({"--log-clients", "half"}).message;
  CHECK(bad.find("--log-clients") != std::string::npos);
  CHECK(bad.find("must be full, prefix or none, not 'half'") != std::string::npos);
}

TEST_CASE("the connection log is off by default; --log-clients and the rate") {
  const auto d = parse({});
  REQUIRE(d.options);
  CHECK_FALSE(d.options->log_connections);
  CHECK(d.options->log_clients == ClientLogging::Full);
  CHECK(d.options->log_connections_rate == kConnectionLogDefaultRate);
  for (const auto& [word, mode] :
       {std::pair{"full", ClientLogging::Full}, std::pair{"prefix", ClientLogging::Prefix},
        std::pair{"none", ClientLogging::None}}) {
    const auto r =
        parse({"--log-connections", "--log-clients", word, "--log-connections-rate", "7"});
    REQUIRE(r.options);
    CHECK(r.options->log_connections);
    CHECK(r.options->log_clients == mode);
    CHECK(r.options->log_connections_rate == 7);
  }
}

TEST_CASE("--event-loop: auto by default, io_uring or epoll") {
  const auto d = parse({});
  REQUIRE(d.options);
  CHECK(d.options->event_loop == EventLoop::Auto);
  for (const auto& [word, loop] :
       {std::pair{"auto", EventLoop::Auto}, std::pair{"io_uring", EventLoop::IoUring},
        std::pair{"epoll", EventLoop::Epoll}}) {
    const auto r = parse({"--event-loop", word});
    REQUIRE(r.options);
    CHECK(r.options->event_loop == loop);
  }
  const auto bad = parse({"--event-loop", "poll"}).message;
  CHECK(bad.find("--event-loop") != std::string::npos);
  CHECK(bad.find("poll") != std::string::npos);
}

TEST_CASE("--help explains every option and exits 0") {
  const auto r = parse({"--help"});
  CHECK_FALSE(r.options);
  CHECK(r.exit_code == 0);
  for (const char* opt : {"--table",           "--listen-address", "--port",
                          "--transparent",     "--freebind",       "--reuseport",
                          "--no-reuseaddr",    "--listen-fd",      "--user",
                          "--group",           "--groups",         "--chroot",
                          "--send-all",        "--backlog",        "--substitute-paths",
                          "--control",         "--check",          "--seccomp",
                          "--log-connections", "--log-clients",    "--log-connections-rate",
                          "--event-loop"})
    CHECK(r.message.find(opt) != std::string::npos);
}
