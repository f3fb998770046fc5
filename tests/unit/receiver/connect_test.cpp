// sb_connect: outbound connections to a receiver, and the addresses both
// ends report through sb_connection_address.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "socketbox/receiver.h"
#include "test_addresses.hpp"
#include "test_support.hpp"

namespace {

using socketbox::test::v4;
using socketbox::test::v6;

std::string shown(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (a.ss_family == AF_INET6) {
    auto* p = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &p->sin6_addr, host, sizeof host);
    port = ntohs(p->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  if (a.ss_family == AF_INET) {
    auto* p = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &p->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(p->sin_port));
  }
  return "family " + std::to_string(a.ss_family);
}

std::string address(int fd, int peer) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (sb_connection_address(fd, peer, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return "error " + std::to_string(errno);
  return shown(a);
}

int port_of(const std::string& shown_addr) {
  return std::stoi(shown_addr.substr(shown_addr.rfind(':') + 1));
}

}  // namespace

TEST_CASE("sb_connect hands the server a new connection that names both addresses") {
  sbtest::TempDir dir;
  std::string path = dir.file("srv.sock");
  sb_receiver* r = sb_receiver_open(path.c_str(), nullptr);
  REQUIRE(r != nullptr);

  sockaddr_in6 dest = v6("fd00::7", 80);
  int c = sb_connect(path.c_str(), reinterpret_cast<sockaddr*>(&dest), sizeof dest, SOCK_CLOEXEC);
  REQUIRE(c >= 0);
  CHECK((::fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(c, F_GETFL) & O_NONBLOCK) == 0);
  int s = sb_receiver_accept(r, SOCK_CLOEXEC);
  REQUIRE(s >= 0);

  CHECK(address(c, 1) == "[fd00::7]:80");
  std::string me = address(c, 0);
  CHECK(me.rfind("[::1]:", 0) == 0);
  CHECK(port_of(me) >= 32768);
  CHECK(port_of(me) <= 60999);
  CHECK(address(s, 0) == "[fd00::7]:80");  // the destination the client dialled
  CHECK(address(s, 1) == me);              // the client

  REQUIRE(::write(c, "ping", 4) == 4);
  char buf[8] = {};
  CHECK(::read(s, buf, sizeof buf) == 4);
  CHECK(std::string(buf) == "ping");
  ::close(c);
  CHECK(::read(s, buf, sizeof buf) == 0);  // EOF, as on TCP
  ::close(s);

  // IPv4: the client's end answers in IPv4, the server's in v4-mapped IPv6
  // (as sbd's connections do).
  sockaddr_in dest4 = v4("192.0.2.7", 8080);
  c = sb_connect(path.c_str(), reinterpret_cast<sockaddr*>(&dest4), sizeof dest4, SOCK_NONBLOCK);
  REQUIRE(c >= 0);
  CHECK((::fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
  s = sb_receiver_accept(r, 0);
  REQUIRE(s >= 0);
  CHECK(address(c, 1) == "192.0.2.7:8080");
  CHECK(address(c, 0).rfind("127.0.0.1:", 0) == 0);
  CHECK(address(s, 0) == "[::ffff:192.0.2.7]:8080");
  CHECK(address(s, 1).rfind("[::ffff:127.0.0.1]:", 0) == 0);
  ::close(c);
  ::close(s);

  // sb_connect_from names the client after the address it bound.
  sockaddr_in6 from = v6("fd00::99", 4242);
  c = sb_connect_from(path.c_str(), reinterpret_cast<sockaddr*>(&dest), sizeof dest,
                      reinterpret_cast<sockaddr*>(&from), sizeof from, 0);
  REQUIRE(c >= 0);
  s = sb_receiver_accept(r, 0);
  REQUIRE(s >= 0);
  CHECK(address(s, 1) == "[fd00::99]:4242");
  ::close(c);
  ::close(s);
  sb_receiver_close(r);
}

TEST_CASE("sb_connect to a missing or stale receiver is refused; bad arguments say EINVAL") {
  sbtest::TempDir dir;
  sockaddr_in6 dest = v6("fd00::7", 80);
  auto* d = reinterpret_cast<sockaddr*>(&dest);
  errno = 0;
  CHECK(sb_connect(dir.file("nobody.sock").c_str(), d, sizeof dest, 0) == -1);
  CHECK(errno == ECONNREFUSED);
  errno = 0;
  CHECK(sb_connect(dir.file("nodir/x.sock").c_str(), d, sizeof dest, SOCK_NONBLOCK) == -1);
  CHECK(errno == ECONNREFUSED);

  std::string stale = dir.file("stale.sock");
  int fd = sb_bind_receiver(stale.c_str(), 0);
  REQUIRE(fd >= 0);
  ::close(fd);
  errno = 0;
  CHECK(sb_connect(stale.c_str(), d, sizeof dest, 0) == -1);
  CHECK(errno == ECONNREFUSED);

  errno = 0;
  CHECK(sb_connect(stale.c_str(), d, sizeof(sockaddr_in), 0) == -1);  // short address
  CHECK(errno == EINVAL);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  errno = 0;
  CHECK(sb_connect(stale.c_str(), reinterpret_cast<sockaddr*>(&un), sizeof un, 0) == -1);
  CHECK(errno == EAFNOSUPPORT);
  errno = 0;
  CHECK(sb_connect(stale.c_str(), d, sizeof dest, 0x40) == -1);
  CHECK(errno == EINVAL);

  // Not a connection of ours: EINVAL; not a socket: ENOTSOCK.
  sbtest::Pair p;
  sockaddr_storage a;
  socklen_t len = sizeof a;
  errno = 0;
  CHECK(sb_connection_address(p.kept, 1, reinterpret_cast<sockaddr*>(&a), &len) == -1);
  CHECK(errno == EINVAL);
  int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(file >= 0);
  errno = 0;
  CHECK(sb_connection_address(file, 0, reinterpret_cast<sockaddr*>(&a), &len) == -1);
  CHECK(errno == ENOTSOCK);
  ::close(file);
}

TEST_CASE("a full receiver refuses a non-blocking sb_connect; a blocking one waits for room") {
  sbtest::TempDir dir;
  std::string path = dir.file("full.sock");
  sb_receiver* r = sb_receiver_open(path.c_str(), nullptr);
  REQUIRE(r != nullptr);
  sockaddr_in6 dest = v6("fd00::7", 80);
  auto* d = reinterpret_cast<sockaddr*>(&dest);
  int queued = 0;
  std::vector<int> clients;
  for (; queued < 5000; ++queued) {
    int c = sb_connect(path.c_str(), d, sizeof dest, SOCK_NONBLOCK);
    if (c < 0) break;
    clients.push_back(c);
  }
  CHECK(errno == ECONNREFUSED);
  REQUIRE(queued > 0);
  REQUIRE(queued < 5000);

  int blocked = -1;
  std::thread t([&] { blocked = sb_connect(path.c_str(), d, sizeof dest, 0); });
  ::usleep(100000);
  int s = sb_receiver_accept(r, 0);  // makes room
  REQUIRE(s >= 0);
  ::close(s);
  t.join();
  CHECK(blocked >= 0);
  clients.push_back(blocked);
  for (int c : clients) ::close(c);
  sb_receiver_close(r);
}
