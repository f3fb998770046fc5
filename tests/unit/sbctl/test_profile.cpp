// Profile parser: every key, and every error message with its exact position.
#include <catch2/catch.hpp>

#include "profile/profile.hpp"

using namespace socketbox::sbctl;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_profile(text, "p.toml");
  } catch (const ProfileError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("the issue's example profile parses completely", "[profile]") {
  const Profile p = parse_profile(R"(netns = "router"

[daemon]
listen  = "[::ffff:127.0.0.1]:1"
table   = "/etc/socketbox/sbd.conf"
control = "/run/socketbox/sbd.ctl"

[[steer]]
prefixes = ["fd01:db8:1:40::/64", "192.0.2.0/24"]
ports    = [22, 80, 443, "8000-8100"]

[[route]]
dest = "fd01:db8:1:40::1:10"
port = 443
from = "fd00::/8"
to   = "unix:/vm7/sb-00443"

[[socketdir]]
path = "/run/socketbox/00001"
owner_uid = 100000
access_group = "socketbox-access"
)",
                                  "p.toml");
  CHECK(p.netns == "router");
  CHECK(p.netns_pos == Pos{1, 9});
  CHECK(p.daemon.tproxy_port == 1);
  CHECK(p.daemon.table == "/etc/socketbox/sbd.conf");
  CHECK(p.daemon.control == "/run/socketbox/sbd.ctl");
  REQUIRE(p.steers.size() == 1);
  REQUIRE(p.steers[0].prefixes.size() == 2);
  CHECK(p.steers[0].prefixes[0].net.str() == "fd01:db8:1:40::/64");
  CHECK(p.steers[0].prefixes[1].net.str() == "192.0.2.0/24");
  CHECK(p.steers[0].prefixes[1].net.len == 120);
  CHECK(p.steers[0].prefixes[1].pos == Pos{9, 35});
  CHECK(p.steers[0].ports.str() == "22, 80, 443, 8000-8100");
  REQUIRE(p.routes.size() == 1);
  const Route& r = p.routes[0];
  CHECK(r.pos.line == 12);
  CHECK(r.dest->str() == "fd01:db8:1:40::1:10");
  CHECK(r.dest->is_host());
  CHECK(r.ports.str() == "443");
  CHECK(r.from->str() == "fd00::/8");
  CHECK(r.to.kind == RouteTarget::Kind::Unix);
  CHECK(r.to.path == "/vm7/sb-00443");
  REQUIRE(p.socketdirs.size() == 1);
  CHECK(p.socketdirs[0].path == "/run/socketbox/00001");
  CHECK(p.socketdirs[0].owner_uid == 100000);
  CHECK(p.socketdirs[0].access_group == "socketbox-access");
}

TEST_CASE("defaults when keys are left out", "[profile]") {
  const Profile p = parse_profile("[[route]]\nto = \"reject\"\n", "p.toml");
  CHECK(p.netns.empty());
  CHECK_FALSE(p.local_clients);
  CHECK(p.daemon.listen == "[::ffff:127.0.0.1]:1");
  CHECK(p.daemon.table == "/etc/socketbox/sbd.conf");
  CHECK(p.daemon.control == "/run/socketbox/sbd.ctl");
  REQUIRE(p.routes.size() == 1);
  CHECK_FALSE(p.routes[0].dest);
  CHECK(p.routes[0].ports.any());
  CHECK_FALSE(p.routes[0].from);
  CHECK(p.routes[0].to.kind == RouteTarget::Kind::Reject);
}

TEST_CASE("ports: number, list, range, string", "[profile]") {
  auto ports = [](const std::string& v) {
    return parse_profile("[[route]]\nport = " + v + "\nto = \"reject\"\n", "p.toml")
        .routes[0]
        .ports.str();
  };
  CHECK(ports("22") == "22");
  CHECK(ports("\"22\"") == "22");
  CHECK(ports("\"8000-8100\"") == "8000-8100");
  CHECK(ports("[443, 22, 80]") == "22, 80, 443");
  CHECK(ports("[80, \"81-90\", 91]") == "80-91");
  CHECK(ports("[\"1-1024\"]") == "1-1024");
}

TEST_CASE("addresses: IPv4 prefixes are carried IPv4-mapped", "[profile]") {
  const Profile p = parse_profile(
      "[[route]]\ndest = \"192.0.2.7\"\nfrom = \"10.0.0.0/8\"\nto = \"reject\"\n", "p.toml");
  CHECK(p.routes[0].dest->len == 128);
  CHECK(p.routes[0].dest->str() == "192.0.2.7");
  CHECK(socketbox::net::format_addr(p.routes[0].dest->addr) == "::ffff:192.0.2.7");
  CHECK(p.routes[0].from->len == 104);
}

TEST_CASE("local_clients and the listen port", "[profile]") {
  const Profile p = parse_profile(
      "local_clients = true\n[daemon]\nlisten = \"[::ffff:127.0.0.1]:8443\"\n", "p.toml");
  CHECK(p.local_clients);
  CHECK(p.daemon.tproxy_port == 8443);
}

TEST_CASE("every parse error names file, line and column", "[profile]") {
  // Syntax errors come from toml++ with its position.
  CHECK(error_of("netns = \n").rfind("p.toml:1:", 0) == 0);
  CHECK(error_of("[[route]]\nto = \"reject\"\nto = \"reject\"\n").rfind("p.toml:3:", 0) == 0);

  CHECK(error_of("bogus = 1\n") ==
        "p.toml:1:1: error: unknown key 'bogus' (expected netns, local_clients, [daemon], [relay], "
        "[[steer]], [[route]] or [[socketdir]])");
  CHECK(error_of("[daemon]\nlisten = \"[::ffff:127.0.0.1]:1\"\ntables = \"/x\"\n") ==
        "p.toml:3:1: error: unknown key 'tables' in [daemon] (expected listen, table or control)");
  CHECK(error_of("[[steer]]\nprefixes = [\"fd00::/8\"]\nport = 22\n") ==
        "p.toml:3:1: error: unknown key 'port' in [[steer]] (expected prefixes, ports, "
        "max_conn_per_source, rate_per_source, rate_burst, source_prefix6, source_prefix4 or "
        "tproxy_port)");
  CHECK(error_of("[[route]]\nto = \"reject\"\n  dst = \"fd00::1\"\n") ==
        "p.toml:3:3: error: unknown key 'dst' in [[route]] (expected dest, port, from, to, proxy, "
        "name, handoff or listener_port)");
  CHECK(error_of("[[socketdir]]\npath = \"/run/x\"\nowner_uid = 1\ngroup = \"g\"\n") ==
        "p.toml:4:1: error: unknown key 'group' in [[socketdir]] (expected path, owner_uid or "
        "access_group)");

  // Addresses.
  CHECK(error_of("[[route]]\ndest = \"fd01::zz\"\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'dest': 'fd01::zz' is not an IPv6 address or prefix");
  CHECK(error_of("[[route]]\ndest = \"192.0.2.300\"\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'dest': '192.0.2.300' is not an IPv4 address or prefix");
  CHECK(error_of("[[route]]\nfrom = \"fd00::/129\"\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'from': prefix length in 'fd00::/129' must be 0 to 128");
  CHECK(error_of("[[route]]\nfrom = \"10.0.0.0/33\"\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'from': prefix length in '10.0.0.0/33' must be 0 to 32");
  CHECK(error_of("[[steer]]\nprefixes = [\"fd01:db8::/64\", \"fd01:db8::1/64\"]\n") ==
        "p.toml:2:30: error: 'prefixes': 'fd01:db8::1/64' has host bits set; the prefix is "
        "fd01:db8::/64");
  CHECK(error_of("[[steer]]\nprefixes = [\"192.0.2.1/24\"]\n") ==
        "p.toml:2:13: error: 'prefixes': '192.0.2.1/24' has host bits set; the prefix is "
        "192.0.2.0/24");

  // Ports.
  CHECK(error_of("[[route]]\nport = 70000\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'port': port 70000 is out of range (1 to 65535)");
  CHECK(error_of("[[route]]\nport = [22, 0]\nto = \"reject\"\n") ==
        "p.toml:2:13: error: 'port': port 0 is out of range (1 to 65535)");
  CHECK(error_of("[[route]]\nport = \"http\"\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'port': port 'http' is not a port number from 1 to 65535 or a range "
        "'LO-HI'");
  CHECK(error_of("[[steer]]\nprefixes = [\"fd00::/8\"]\nports = \"90-80\"\n") ==
        "p.toml:3:9: error: 'ports': port range '90-80' is backwards (write '80-90')");
  CHECK(error_of("[[steer]]\nprefixes = [\"fd00::/8\"]\nports = \"1-99999\"\n") ==
        "p.toml:3:9: error: 'ports': port range '1-99999' must be 'LO-HI' with ports from 1 to "
        "65535");
  CHECK(error_of("[[route]]\nport = []\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'port' is an empty list; leave it out to mean every port");
  CHECK(error_of("[[route]]\nport = 1.5\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'port' must be a port number, a \"LO-HI\" range or a list of them, not "
        "a float");
  CHECK(error_of("[[route]]\nport = \"1-2000\"\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'port' covers 2000 ports; a route compiles to one table rule per port "
        "and may have "
        "at most 1024 (leave 'port' out to match every port)");

  // Targets.
  CHECK(error_of("[[route]]\nto = \"tcp:1.2.3.4\"\n") ==
        "p.toml:2:6: error: 'to' must be \"unix:/PATH\", a list of them, "
        "\"relay:tcp:HOST:PORT\", \"relay:unix:/PATH\" or \"reject\", got 'tcp:1.2.3.4'");
  CHECK(
      error_of("[[route]]\nto = \"unix:relative/x\"\n") ==
      "p.toml:2:6: error: 'to': the socket path after 'unix:' must be absolute, got 'relative/x'");
  CHECK(error_of("[[route]]\nto = \"unix:/a b\"\n") ==
        "p.toml:2:6: error: 'to' socket path contains white space, which the table format cannot "
        "hold");
  CHECK(error_of("[[route]]\nto = \"unix:/" + std::string(120, 'x') + "\"\n") ==
        "p.toml:2:6: error: 'to' socket path is 121 bytes; at most 107 fit in a Unix socket "
        "address (sun_path)");
  CHECK(error_of("[[route]]\ndest = \"fd00::1\"\n") ==
        "p.toml:1:1: error: [[route]] needs 'to' (\"unix:/PATH\", a list of them, "
        "\"relay:TARGET\" or \"reject\")");

  // Types and shapes.
  CHECK(error_of("netns = 5\n") == "p.toml:1:9: error: 'netns' must be a string, not an integer");
  CHECK(error_of("netns = \"a/b\"\n") ==
        "p.toml:1:9: error: 'netns' must be a network namespace name (as in /run/netns/NAME)");
  CHECK(error_of("local_clients = \"yes\"\n") ==
        "p.toml:1:17: error: 'local_clients' must be true or false, not a string");
  CHECK(error_of("[route]\nto = \"reject\"\n") ==
        "p.toml:1:1: error: 'route' must be an array of tables (write [[route]] above each one)");
  CHECK(error_of("daemon = 1\n") ==
        "p.toml:1:10: error: 'daemon' must be a table (write [daemon])");
  CHECK(error_of("[[route]]\nto = 1\n") ==
        "p.toml:2:6: error: 'to' must be a string, not an integer");
  CHECK(error_of("[[route]]\ndest = [\"fd00::1\"]\nto = \"reject\"\n") ==
        "p.toml:2:8: error: 'dest' must be a string, not an array");
  CHECK(error_of("[[steer]]\nports = 22\n") ==
        "p.toml:1:1: error: [[steer]] needs 'prefixes' (the addresses to send to sbd)");
  CHECK(error_of("[[steer]]\nprefixes = []\n") ==
        "p.toml:2:12: error: 'prefixes' is empty; a [[steer]] block needs at least one prefix");
  CHECK(error_of("[[steer]]\nprefixes = 7\n") ==
        "p.toml:2:12: error: 'prefixes' must be a list of prefixes, not an integer");

  // The daemon section.
  CHECK(error_of("[daemon]\nlisten = \"127.0.0.1:1\"\n") ==
        "p.toml:2:10: error: 'listen' must be \"[::ffff:127.0.0.1]:PORT\" (the TPROXY target for "
        "IPv6 and IPv4), "
        "got '127.0.0.1:1'");
  CHECK(error_of("[daemon]\nlisten = \"[::ffff:127.0.0.1]:0\"\n") ==
        "p.toml:2:10: error: 'listen': port '0' is not a port number from 1 to 65535 or a range "
        "'LO-HI'");
  CHECK(error_of("[daemon]\ntable = \"sbd.conf\"\n") ==
        "p.toml:2:9: error: 'table' must be an absolute path, got 'sbd.conf'");

  // Socket directories.
  CHECK(error_of("[[socketdir]]\nowner_uid = 1\n") ==
        "p.toml:1:1: error: [[socketdir]] needs 'path'");
  CHECK(error_of("[[socketdir]]\npath = \"/run/x\"\n") ==
        "p.toml:1:1: error: [[socketdir]] needs 'owner_uid' (the uid that creates sockets there)");
  CHECK(error_of("[[socketdir]]\npath = \"/run/x\"\nowner_uid = -1\n") ==
        "p.toml:3:13: error: 'owner_uid' must be 0 to 4294967294, got -1");
  CHECK(error_of("[[socketdir]]\npath = \"/run/x\"\nowner_uid = \"1\"\n") ==
        "p.toml:3:13: error: 'owner_uid' must be an integer user id, not a string");
}

TEST_CASE("every problem is reported, in file order", "[profile]") {
  // Four bad ports on lines 3 and 6.
  CHECK(error_of(R"([[route]]
to = "unix:/a"
port = [0, 70000]
[[route]]
to = "unix:/b"
port = [99999, "9-1"]
)") == "p.toml:3:9: error: 'port': port 0 is out of range (1 to 65535)\n"
       "p.toml:3:12: error: 'port': port 70000 is out of range (1 to 65535)\n"
       "p.toml:6:9: error: 'port': port 99999 is out of range (1 to 65535)\n"
       "p.toml:6:16: error: 'port': port range '9-1' is backwards (write '1-9')");
  // Typos on lines 1 and 4: toml++ visits keys sorted by name, the report is by line.
  try {
    parse_profile("ztypo = 1\n[[route]]\nto = \"unix:/a\"\natypo = 2\n", "p.toml");
    FAIL("no error");
  } catch (const ProfileError& e) {
    REQUIRE(e.problems().size() == 2);
    CHECK(e.pos() == Pos{1, 1});
    CHECK(e.problems()[1].pos == Pos{4, 1});
    CHECK(e.lines()[1] ==
          "p.toml:4:1: error: unknown key 'atypo' in [[route]] (expected dest, port, from, to, "
          "proxy, name, handoff or listener_port)");
  }
}

TEST_CASE("an unreadable profile is one clear error", "[profile]") {
  try {
    load_profile("/nonexistent/profile.toml");
    FAIL("no error");
  } catch (const ProfileError& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/profile.toml: error: cannot read profile: No such file or directory");
  }
}

TEST_CASE("relay routes: targets, proxy, derived receiving sockets", "[profile][relay]") {
  const Profile p = parse_profile(R"([[route]]
dest = "2001:db8::80"
to = "relay:tcp:[2001:db8::5]:443"
proxy = "v2"
name = "web"

[[route]]
dest = "192.0.2.80"
to = "relay:tcp:192.0.2.5:80"

[[route]]
to = "relay:unix:/run/git/daemon.sock"
proxy = "v1"
)",
                                  "p.toml");
  REQUIRE(p.routes.size() == 3);
  CHECK(p.has_relay_routes());
  CHECK(p.routes[0].to.kind == RouteTarget::Kind::Relay);
  CHECK(p.routes[0].to.relay_target == "tcp:[2001:db8::5]:443");
  CHECK(p.routes[0].to.proxy == "v2");
  CHECK(p.routes[0].to.path == "/run/socketbox/relay/web.sock");
  CHECK(p.routes[0].to.str() == "relay:tcp:[2001:db8::5]:443");
  CHECK(p.routes[0].to.sbd_verdict() == "unix:/run/socketbox/relay/web.sock");
  CHECK(p.routes[1].to.proxy == "none");
  CHECK(p.routes[1].to.path == "/run/socketbox/relay/route-2.sock");
  CHECK(p.routes[2].to.relay_target == "unix:/run/git/daemon.sock");
  CHECK(p.relay.config == "/etc/socketbox/relay.toml");
  CHECK(p.relay.control == "/run/socketbox/relay.ctl");

  // [relay] may come after the routes (keys are read sorted): the sockets follow it.
  const Profile q = parse_profile(R"([[route]]
to = "relay:tcp:127.0.0.1:8080"
name = "a"

[relay]
config = "/srv/relay.toml"
control = "/srv/relay.ctl"
socket_dir = "/srv/relay/"
)",
                                  "p.toml");
  CHECK(q.routes[0].to.path == "/srv/relay/a.sock");
  CHECK(q.relay.config == "/srv/relay.toml");
  CHECK(q.relay.control == "/srv/relay.ctl");
  CHECK_FALSE(parse_profile("[[route]]\nto = \"reject\"\n", "p.toml").has_relay_routes());
}

TEST_CASE("relay route errors name file, line and column", "[profile][relay]") {
  CHECK(error_of("[[route]]\nto = \"relay:tcp:nowhere:1\"\n") ==
        "p.toml:2:6: error: 'to': bad target 'tcp:nowhere:1': 'nowhere' is not an IPv4 address "
        "or a bracketed IPv6 address");
  CHECK(error_of("[[route]]\nto = \"relay:udp:1.2.3.4:5\"\n") ==
        "p.toml:2:6: error: 'to': bad target 'udp:1.2.3.4:5': expected tcp:HOST:PORT or unix:PATH");
  CHECK(error_of("[[route]]\nto = \"relay:tcp:[::1]:0\"\n") ==
        "p.toml:2:6: error: 'to': bad target 'tcp:[::1]:0': bad port '0' (1-65535)");
  CHECK(error_of("[[route]]\nto = \"relay:unix:x.sock\"\n") ==
        "p.toml:2:6: error: 'to': the relay's socket path after 'relay:unix:' must be absolute, "
        "got 'x.sock'");
  CHECK(error_of("[[route]]\nto = \"relay:tcp:1.2.3.4:5\"\nproxy = \"v3\"\n") ==
        "p.toml:3:9: error: 'proxy' must be \"v1\", \"v2\" or \"none\", got 'v3'");
  CHECK(error_of("[[route]]\nto = \"unix:/run/x.sock\"\nproxy = \"v1\"\n") ==
        "p.toml:3:9: error: 'proxy' is for relay routes only (to = \"relay:...\"); route at line "
        "1 goes to unix:/run/x.sock");
  CHECK(error_of("[[route]]\nto = \"relay:tcp:1.2.3.4:5\"\nname = \"a/b\"\n") ==
        "p.toml:3:8: error: 'name' of a relay route names its receiving socket file: use "
        "letters, digits, '-', '_' and '.', got 'a/b'");
  CHECK(error_of("[[route]]\nto = \"relay:tcp:1.2.3.4:5\"\nname = \"w\"\n\n[[route]]\nto = "
                 "\"relay:tcp:1.2.3.4:6\"\nname = \"w\"\n") ==
        "p.toml:5:1: error: route 'w' at line 5 relays through /run/socketbox/relay/w.sock, "
        "already used by route 'w' at line 1: give relay routes different names");
  CHECK(error_of("[relay]\nsocket_dir = \"relay\"\n") ==
        "p.toml:2:14: error: 'socket_dir' must be an absolute path, got 'relay'");
  CHECK(error_of("[relay]\nsockets = \"/x\"\n") ==
        "p.toml:2:1: error: unknown key 'sockets' in [relay] (expected config, control or "
        "socket_dir)");
  CHECK(error_of("[relay]\nsocket_dir = \"/" + std::string(100, 'd') +
                 "\"\n[[route]]\nto = \"relay:tcp:1.2.3.4:5\"\nname = \"web\"\n")
            .rfind("p.toml:4:6: error: the relay socket of route 'web' at line 3, /ddd", 0) == 0);
}

TEST_CASE("per-source limits of a steer block", "[profile]") {
  const Profile p = parse_profile(R"([[steer]]
prefixes = ["fd01:db8:1:40::/64", "192.0.2.0/24"]
max_conn_per_source = 20
rate_per_source = "100/minute"
rate_burst = 40
source_prefix6 = 56
source_prefix4 = 24

[[steer]]
prefixes = ["fd01:db8:1:41::/64"]
rate_per_source = "20/second"
)",
                                  "p.toml");
  REQUIRE(p.steers.size() == 2);
  const SourceLimitConfig& a = p.steers[0].limits;
  CHECK(a.max_conn == 20);
  CHECK(a.max_conn_pos == Pos{3, 23});
  CHECK(a.rate == 100);
  CHECK(a.rate_unit == 60);
  CHECK(a.burst == 40);
  CHECK(a.prefix6 == 56);
  CHECK(a.prefix4 == 24);
  CHECK(a.str() ==
        "max 20 connections, rate 100/minute burst 40 per source /56 (IPv6), /24 (IPv4)");
  const SourceLimitConfig& b = p.steers[1].limits;
  CHECK(b.max_conn == 0);
  CHECK(b.rate == 20);
  CHECK(b.rate_unit == 1);
  CHECK(b.burst == 5);
  CHECK(b.prefix6 == 64);
  CHECK(b.prefix4 == 32);
  CHECK_FALSE(SourceLimitConfig{}.any());
}

TEST_CASE("bad per-source limits are errors at their value", "[profile]") {
  const std::string head = "[[steer]]\nprefixes = [\"fd00::/8\"]\n";
  CHECK(error_of(head + "max_conn_per_source = 0\n") ==
        "p.toml:3:23: error: 'max_conn_per_source' must be a number of connections from 1 to "
        "1000000, got 0");
  CHECK(error_of(head + "max_conn_per_source = \"20\"\n") ==
        "p.toml:3:23: error: 'max_conn_per_source' must be a number of connections from 1 to "
        "1000000, not a string");
  const std::string rate_error =
      "error: 'rate_per_source' must be \"N/second\", \"N/minute\", \"N/hour\" or \"N/day\" "
      "with N from 1 to 1000000, got '";
  CHECK(error_of(head + "rate_per_source = \"20/sec\"\n") ==
        "p.toml:3:19: " + rate_error + "20/sec'");
  CHECK(error_of(head + "rate_per_source = \"0/second\"\n") ==
        "p.toml:3:19: " + rate_error + "0/second'");
  CHECK(error_of(head + "rate_per_source = \"x/minute\"\n") ==
        "p.toml:3:19: " + rate_error + "x/minute'");
  CHECK(error_of(head + "rate_per_source = \"20\"\n") == "p.toml:3:19: " + rate_error + "20'");
  CHECK(error_of(head + "rate_per_source = 20\n") ==
        "p.toml:3:19: error: 'rate_per_source' must be a string, not an integer");
  CHECK(error_of(head + "source_prefix6 = 129\n") ==
        "p.toml:3:18: error: 'source_prefix6' must be a prefix length from 1 to 128, got 129");
  CHECK(error_of(head + "source_prefix4 = 0\n") ==
        "p.toml:3:18: error: 'source_prefix4' must be a prefix length from 1 to 32, got 0");
  CHECK(error_of(head + "rate_burst = 10\n") ==
        "p.toml:3:14: error: 'rate_burst' needs 'rate_per_source' in the same block");
}

TEST_CASE("'to' as a failover list of unix sockets", "[profile]") {
  const Profile p = parse_profile(
      "[[route]]\nto = \"unix:/run/a.sock\"\n"
      "[[route]]\nto = [\"unix:/run/a.sock\", \"unix:/run/b.sock\"]\n",
      "p.toml");
  REQUIRE(p.routes.size() == 2);
  CHECK(p.routes[0].to.failover.empty());  // a single string is as before
  CHECK(p.routes[0].to.sbd_verdict() == "unix:/run/a.sock");
  const RouteTarget& to = p.routes[1].to;
  CHECK(to.kind == RouteTarget::Kind::Unix);
  CHECK(to.path == "/run/a.sock");
  CHECK(to.failover == std::vector<std::string>{"/run/a.sock", "/run/b.sock"});
  CHECK(to.failover_pos == std::vector<Pos>{{4, 7}, {4, 27}});
  CHECK(to.str() == "[\"unix:/run/a.sock\", \"unix:/run/b.sock\"]");
  CHECK(to.sbd_verdict() == "unix-any:/run/a.sock,/run/b.sock");
}

TEST_CASE("a failover list's mistakes point at the entry at fault", "[profile]") {
  CHECK(error_of("[[route]]\nto = [\"unix:/a\"]\n") ==
        "p.toml:2:6: error: 'to' lists 1 target; a failover list takes 2 to 16 \"unix:/PATH\" "
        "targets");
  CHECK(error_of("[[route]]\nto = []\n") ==
        "p.toml:2:6: error: 'to' lists 0 targets; a failover list takes 2 to 16 \"unix:/PATH\" "
        "targets");
  std::string many = "[[route]]\nto = [\"unix:/s0\"";
  for (int i = 1; i < 17; ++i) many += ", \"unix:/s" + std::to_string(i) + "\"";
  CHECK(error_of(many + "]\n") ==
        "p.toml:2:6: error: 'to' lists 17 targets; a failover list takes 2 to 16 \"unix:/PATH\" "
        "targets");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", \"relay:tcp:[::1]:80\"]\n") ==
        "p.toml:2:18: error: 'to': a failover list takes only \"unix:/PATH\" targets, got "
        "'relay:tcp:[::1]:80'");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", \"reject\"]\n") ==
        "p.toml:2:18: error: 'to': a failover list takes only \"unix:/PATH\" targets, got "
        "'reject'");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", 5]\n") ==
        "p.toml:2:18: error: 'to' must be a string, not an integer");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", \"unix:b\"]\n") ==
        "p.toml:2:18: error: 'to': the socket path after 'unix:' must be absolute, got 'b'");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", \"unix:/b\", \"unix:/a\"]\n") ==
        "p.toml:2:29: error: 'to' lists unix:/a twice (first at column 7)");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", \"unix:/b,c\"]\n") ==
        "p.toml:2:18: error: 'to' socket path in a failover list contains ',', which the table "
        "format cannot hold there");
  CHECK(error_of("[[route]]\nto = [\"unix:/a\", \"unix:/b c\"]\n") ==
        "p.toml:2:18: error: 'to' socket path contains white space, which the table format "
        "cannot hold");
}

TEST_CASE("listener routes: what they need, each error with its position", "[profile][listener]") {
  const Profile p = parse_profile(R"([[route]]
dest = "fd01:db8::10"
port = 80
handoff = "listener"
listener_port = 8001
to = "unix:/run/web.sock"
[[route]]
dest = "fd01:db8::11"
to = "unix:/run/other.sock"
handoff = "connection"
)",
                                  "p.toml");
  REQUIRE(p.routes.size() == 2);
  CHECK(p.routes[0].listener);
  CHECK(p.routes[0].listener_port == 8001);
  CHECK_FALSE(p.routes[1].listener);
  CHECK(p.has_listener_routes());

  const std::string base = "[[route]]\ndest = \"fd01:db8::10\"\nport = 80\n";
  CHECK(error_of(base + "to = \"unix:/a\"\nhandoff = \"bulk\"\n") ==
        "p.toml:5:11: error: 'handoff' must be \"connection\" or \"listener\", got 'bulk'");
  CHECK(error_of(base + "to = \"unix:/a\"\nhandoff = \"listener\"\n") ==
        "p.toml:5:11: error: route at line 1 needs 'listener_port', the port of its listening "
        "socket on [::ffff:127.0.0.1] (one nothing else listens on)");
  CHECK(error_of(base + "to = \"unix:/a\"\nlistener_port = 9\n") ==
        "p.toml:5:17: error: 'listener_port' is for routes with handoff = \"listener\"; route at "
        "line 1 is handed off per connection");
  CHECK(error_of(base + "to = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 70000\n") ==
        "p.toml:6:17: error: 'listener_port' must be 1 to 65535, got 70000");
  CHECK(error_of(base +
                 "to = [\"unix:/a\", \"unix:/b\"]\nhandoff = \"listener\"\nlistener_port = 9\n") ==
        "p.toml:4:6: error: a listener route goes to one server: 'to' must be one \"unix:/PATH\" "
        "or a \"relay:TARGET\", got [\"unix:/a\", \"unix:/b\"]");
  CHECK(error_of(base + "to = \"reject\"\nhandoff = \"listener\"\nlistener_port = 9\n") ==
        "p.toml:4:6: error: a listener route goes to one server: 'to' must be one \"unix:/PATH\" "
        "or a \"relay:TARGET\", got reject");
  CHECK(
      error_of(
          "[[route]]\nport = 80\nto = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n") ==
      "p.toml:4:11: error: a listener route needs 'dest': nft steers its addresses to it");
  CHECK(error_of("[[route]]\ndest = \"fd01:db8::10\"\nto = \"unix:/a\"\nhandoff = \"listener\"\n"
                 "listener_port = 9\n") ==
        "p.toml:4:11: error: a listener route needs 'port': nft steers its ports to it");
  CHECK(error_of(
            base +
            "from = \"fd00::/8\"\nto = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n") ==
        "p.toml:4:8: error: 'from' cannot choose a listener route: its listening socket takes "
        "every client; hand this route off per connection (leave out 'handoff')");
  // Beside other routes: sbd's port, a shared port, an earlier route that overlaps.
  CHECK(
      error_of("[daemon]\nlisten = \"[::ffff:127.0.0.1]:9\"\n" + base +
               "to = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n") ==
      "p.toml:8:17: error: 'listener_port' 9 is sbd's own port ([daemon] listen); choose another");
  CHECK(error_of(base + "to = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n" + base +
                 "to = \"unix:/b\"\nhandoff = \"listener\"\nlistener_port = 9\n") ==
        "p.toml:12:17: error: 'listener_port' 9 is also route at line 1's; each listener route "
        "needs its own");
  CHECK(error_of("[[route]]\ndest = \"fd01:db8::/64\"\nto = \"unix:/x\"\n" + base +
                 "to = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n") ==
        "p.toml:4:1: error: route at line 4 overlaps route at line 1 before it; nft steers a "
        "listener route before sbd looks at any route, so put it first or make them disjoint");
  // A later route it shadows is fine (first match), and so is a disjoint one before it.
  CHECK_NOTHROW(parse_profile(base +
                                  "to = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n" +
                                  "[[route]]\ndest = \"fd01:db8::/64\"\nto = \"unix:/x\"\n",
                              "p.toml"));
  CHECK_NOTHROW(
      parse_profile("[[route]]\ndest = \"fd01:db8::/64\"\nport = 443\nto = \"unix:/x\"\n" + base +
                        "to = \"unix:/a\"\nhandoff = \"listener\"\nlistener_port = 9\n",
                    "p.toml"));
}
