// TPROXY really steers: a client namespace connects over a veth to steered
// addresses of the test namespace, and a transparent listener on
// [::ffff:127.0.0.1]:PORT accepts them, IPv6 and IPv4.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "kernel_support.hpp"
#include "socketbox/unique_fd.hpp"

using namespace socketbox::netcfg;
using sbtest::P;
using sbtest::TestNetns;

namespace {

using Fd = socketbox::UniqueFd;

sockaddr_storage address(const char* ip, std::uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (std::strchr(ip, ':')) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    REQUIRE(inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, ip, &s4->sin_addr) == 1);
    len = sizeof *s4;
  }
  return ss;
}

// sbd's socket: [::ffff:127.0.0.1]:port with IPV6_TRANSPARENT.
Fd transparent_listener(std::uint16_t port) {
  Fd fd(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  REQUIRE(fd.get() >= 0);
  int one = 1;
  REQUIRE(setsockopt(fd.get(), SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one) == 0);
  REQUIRE(setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  socklen_t len;
  auto addr = address("::ffff:127.0.0.1", port, len);
  REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(listen(fd.get(), 16) == 0);
  return fd;
}

Fd start_connect(const char* ip, std::uint16_t port) {
  socklen_t len;
  auto addr = address(ip, port, len);
  Fd fd(socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  REQUIRE(fd.get() >= 0);
  const int rc = connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len);
  REQUIRE((rc == 0 || errno == EINPROGRESS));
  return fd;
}

// The connection's outcome: 0 connected, or its errno; bounded wait.
int connect_result(const Fd& fd) {
  pollfd p{fd.get(), POLLOUT, 0};
  if (poll(&p, 1, 5000) != 1) return ETIMEDOUT;
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

// Accepts one connection within 5 s; returns the local address it was made to.
std::string accept_one(const Fd& listener) {
  pollfd p{listener.get(), POLLIN, 0};
  if (poll(&p, 1, 5000) != 1) return "(nothing accepted)";
  Fd conn(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (conn.get() < 0) return std::string("(accept failed: ") + std::strerror(errno) + ")";
  sockaddr_in6 local{};
  socklen_t len = sizeof local;
  getsockname(conn.get(), reinterpret_cast<sockaddr*>(&local), &len);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &local.sin6_addr, buf, sizeof buf);
  return "[" + std::string(buf) + "]:" + std::to_string(ntohs(local.sin6_port));
}

DesiredState steering(bool local_clients) {
  DesiredState d;
  d.steers.push_back({{P("fd01:db8:1:40::/64"), P("192.0.2.0/24")}, {{22, 22}, {443, 443}}});
  d.steers.push_back({{P("fd01:db8:1:41::/64"), P("198.51.100.0/24")}, {}});
  d.local_clients = local_clients;
  d.tproxy_port = 1;
  return d;
}

struct Topology {
  TestNetns client{"c"};
  TestNetns router{"r"};
  Topology() {
    const std::string sfx = sbtest::unique_suffix();
    const std::string ci = "c" + sfx, ri = "r" + sfx;
    auto r = sbtest::run("ip link add " + ci + " netns " + client.name() + " type veth peer name " +
                         ri + " netns " + router.name());
    INFO(r.out);
    REQUIRE(r.rc == 0);
    client.sh("ip link set " + ci + " up && ip addr add fd00:c::2/64 dev " + ci +
              " nodad && ip addr add 10.99.0.2/24 dev " + ci);
    router.sh("ip link set " + ri + " up && ip addr add fd00:c::1/64 dev " + ri +
              " nodad && ip addr add 10.99.0.1/24 dev " + ri);
    client.sh(
        "ip route add fd01:db8:1:40::/63 via fd00:c::1 && ip route add 192.0.2.0/24 via 10.99.0.1 "
        "&& ip route add 198.51.100.0/24 via 10.99.0.1");
  }
};

}  // namespace

TEST_CASE("TPROXY delivers IPv6 and IPv4 connections to the transparent listener") {
  SB_REQUIRE_KERNEL();
  Topology t;
  Fd listener;
  {
    NetnsScope in(t.router.name());
    apply(steering(false));
    listener = transparent_listener(1);
  }
  NetnsScope in(t.client.name());
  {
    Fd c = start_connect("fd01:db8:1:40::5", 443);
    CHECK(accept_one(listener) == "[fd01:db8:1:40::5]:443");
    CHECK(connect_result(c) == 0);
  }
  {
    Fd c = start_connect("192.0.2.7", 22);
    CHECK(accept_one(listener) == "[::ffff:192.0.2.7]:22");
    CHECK(connect_result(c) == 0);
  }
  {
    // Steer block 1 takes every port.
    Fd c6 = start_connect("fd01:db8:1:41::9", 12345);
    CHECK(accept_one(listener) == "[fd01:db8:1:41::9]:12345");
    Fd c4 = start_connect("198.51.100.20", 8080);
    CHECK(accept_one(listener) == "[::ffff:198.51.100.20]:8080");
  }
  {
    // A port block 0 does not steer: the address is local, nobody listens.
    Fd c = start_connect("fd01:db8:1:40::5", 25);
    CHECK(connect_result(c) == ECONNREFUSED);
  }
}

TEST_CASE("local_clients decides whether the box's own processes are steered") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  Fd listener = transparent_listener(1);

  apply(steering(false));
  {
    Fd c = start_connect("fd01:db8:1:40::5", 443);
    CHECK(connect_result(c) == ECONNREFUSED);
  }

  apply(steering(true));
  CHECK(diff(steering(true), read_kernel_state()).empty());
  {
    Fd c6 = start_connect("fd01:db8:1:40::5", 443);
    CHECK(accept_one(listener) == "[fd01:db8:1:40::5]:443");
    CHECK(connect_result(c6) == 0);
    Fd c4 = start_connect("192.0.2.7", 443);
    CHECK(accept_one(listener) == "[::ffff:192.0.2.7]:443");
    CHECK(connect_result(c4) == 0);
  }
}

TEST_CASE("a block with its own port goes to its own listener and counts it") {
  SB_REQUIRE_KERNEL();
  TestNetns ns;
  NetnsScope in(ns.name());
  Fd main_listener = transparent_listener(1);
  Fd own_listener = transparent_listener(8080);
  DesiredState d = steering(true);
  d.steers[0].tproxy_port = 8080;
  apply(d);
  {
    Fd c6 = start_connect("fd01:db8:1:40::5", 443);
    CHECK(accept_one(own_listener) == "[fd01:db8:1:40::5]:443");
    CHECK(connect_result(c6) == 0);
    Fd c4 = start_connect("192.0.2.7", 22);
    CHECK(accept_one(own_listener) == "[::ffff:192.0.2.7]:22");
    CHECK(connect_result(c4) == 0);
    Fd other = start_connect("198.51.100.20", 8080);
    CHECK(accept_one(main_listener) == "[::ffff:198.51.100.20]:8080");
  }
  const KernelState k = read_kernel_state();
  REQUIRE(k.steer_counters.size() == 2);
  for (const auto& c : k.steer_counters) {
    CHECK(c.steer == 0);
    CHECK(c.port == 8080);
    CHECK(c.packets >= 1);  // the SYN at least
    CHECK(c.bytes > 0);
  }
  // Counted packets are no difference: nothing to reload.
  CHECK(k.unrecognized.empty());
  CHECK(diff(d, k).empty());
  CHECK(object_drift(d, k).empty());
  const std::string before = sbtest::nft_listing(ns);
  apply(d);
  CHECK(sbtest::nft_listing(ns) == before);
}
