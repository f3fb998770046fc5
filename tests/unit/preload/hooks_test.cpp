// The preload's wrapped calls, in-process: this test binary links
// libsbpreload.so ahead of libc, so its own socket calls go through the
// library just as a preloaded server's do. The library reads its mappings
// at load, so the binary re-executes itself once with SB_PRELOAD_MAP set.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "socketbox/receiver.h"

namespace {

std::string g_dir;

// Runs before Catch2's main: sets the environment and re-executes.
struct Reexec {
  Reexec() {
    if (const char* dir = std::getenv("SB_HOOKTEST_DIR")) {
      g_dir = dir;
      std::atexit([] { std::system(("rm -rf '" + g_dir + "'").c_str()); });
      return;
    }
    char tmpl[] = "/tmp/sbhook.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::_Exit(99);
    std::string d = tmpl;
    std::string maps = "[::1]:7001=" + d + "/a.sock\n127.0.0.1:7002=" + d +
                       "/b.sock\n[::]:7003=" + d + "/c.sock\n[::1]:7004=" + d + "/missing/d.sock\n";
    ::setenv("SB_PRELOAD_MAP", maps.c_str(), 1);
    ::setenv("SB_HOOKTEST_DIR", d.c_str(), 1);
    std::ifstream in("/proc/self/cmdline");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    for (size_t at = 0; at < all.size();) {
      size_t end = all.find('\0', at);
      args.push_back(all.substr(at, end - at));
      at = end + 1;
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    std::_Exit(98);
  }
} g_reexec;

sockaddr_in6 v6(const char* addr, int port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET6, addr, &a.sin6_addr);
  return a;
}

int bound_endpoint(const char* addr, int port, int type_flags = SOCK_NONBLOCK) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | type_flags, 0);
  sockaddr_in6 a = v6(addr, port);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0)
    return -1;
  return fd;
}

// A real TCP connection over loopback: returns the server side; the
// client side goes to *client.
int tcp_connection(const char* listen_addr, const char* connect_addr, int* client) {
  int l = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a = v6(listen_addr, 0);
  socklen_t len = sizeof a;
  if (::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(l, 4) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return -1;
  sockaddr_in6 to = v6(connect_addr, ntohs(a.sin6_port));
  *client = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(*client, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return -1;
  int s = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  ::close(l);
  return s;
}

bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

int int_option(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, level, name, &v, &len) == 0 ? v : -100 - errno;
}

}  // namespace

TEST_CASE(
    "a bind to a mapped address becomes a receiving endpoint that looks like a TCP listener") {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  int one = 1;
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  sockaddr_in6 a = v6("::1", 7001);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  struct stat st {};
  REQUIRE(::stat((g_dir + "/a.sock").c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE(::listen(fd, 128) == 0);

  sockaddr_in6 got{};
  socklen_t len = sizeof got;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len) == 0);
  CHECK(len == sizeof got);
  CHECK(got.sin6_family == AF_INET6);
  CHECK(ntohs(got.sin6_port) == 7001);
  CHECK(IN6_IS_ADDR_LOOPBACK(&got.sin6_addr));
  errno = 0;
  CHECK(::getpeername(fd, reinterpret_cast<sockaddr*>(&got), &len) == -1);
  CHECK(errno == ENOTCONN);

  CHECK(int_option(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
  CHECK(int_option(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
  CHECK(int_option(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1);
  CHECK(int_option(fd, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP);
  CHECK(::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
  CHECK(::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one) == 0);
  CHECK(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);

  errno = 0;
  CHECK(::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC) == -1);
  CHECK(errno == EAGAIN);
  CHECK_FALSE(readable(fd, 0));
  char probe;
  errno = 0;
  CHECK(::recv(fd, &probe, 1, MSG_DONTWAIT) ==
        -1);  // as on a TCP listener (python's ssl probes so)
  CHECK(errno == ENOTCONN);

  int client = -1;
  int server_side = tcp_connection("::1", "::1", &client);
  REQUIRE(server_side >= 0);
  sockaddr_in6 client_addr{};
  socklen_t clen = sizeof client_addr;
  REQUIRE(::getsockname(client, reinterpret_cast<sockaddr*>(&client_addr), &clen) == 0);
  REQUIRE(sb_send_fd((g_dir + "/a.sock").c_str(), server_side) == 0);
  ::close(server_side);
  CHECK(readable(fd, 2000));
  CHECK(::recvfrom(fd, &probe, 1, MSG_DONTWAIT, nullptr, nullptr) ==
        -1);  // does not eat the connection
  CHECK(readable(fd, 0));

  sockaddr_in6 peer{};
  socklen_t plen = sizeof peer;
  int conn = ::accept4(fd, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
  REQUIRE(conn >= 0);
  CHECK(plen == sizeof peer);
  CHECK(peer.sin6_port == client_addr.sin6_port);
  CHECK((::fcntl(conn, F_GETFL) & O_NONBLOCK) == 0);  // sent non-blocking, handed out blocking
  CHECK((::fcntl(conn, F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE(::write(client, "ping", 4) == 4);
  char buf[8] = {};
  CHECK(::read(conn, buf, sizeof buf) == 4);
  CHECK(std::string(buf) == "ping");
  ::close(conn);
  ::close(client);
  ::close(fd);
}

TEST_CASE("binds that are not mapped are left alone") {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a = v6("::1", 0);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  CHECK(int_option(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
  sockaddr_in6 got{};
  socklen_t len = sizeof got;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len) == 0);
  CHECK(got.sin6_port != 0);  // a real, kernel-chosen port
  ::close(fd);

  // A UDP socket on a mapped address is not a TCP listener: not ours.
  int udp = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 u = v6("::", 7003);
  // A real bind (it may find the port taken on this host: that is fine too).
  int rc = ::bind(udp, reinterpret_cast<sockaddr*>(&u), sizeof u);
  CHECK((rc == 0 || errno == EADDRINUSE));
  struct stat st {};
  CHECK(::stat((g_dir + "/c.sock").c_str(), &st) == -1);
  ::close(udp);
}

TEST_CASE("an IPv4 endpoint gets IPv4 peer addresses for v4-mapped connections") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(7002);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  CHECK(int_option(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET);

  int client = -1;
  int server_side = tcp_connection("::", "::ffff:127.0.0.1", &client);
  REQUIRE(server_side >= 0);
  REQUIRE(sb_send_fd((g_dir + "/b.sock").c_str(), server_side) == 0);
  ::close(server_side);
  REQUIRE(readable(fd, 2000));
  sockaddr_in peer{};
  socklen_t plen = sizeof peer;
  int conn = ::accept(fd, reinterpret_cast<sockaddr*>(&peer), &plen);
  REQUIRE(conn >= 0);
  CHECK(plen == sizeof peer);
  CHECK(peer.sin_family == AF_INET);
  CHECK(peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  ::close(conn);
  ::close(client);
  ::close(fd);
}

TEST_CASE("several sockets in one datagram: the endpoint stays readable until each is accepted") {
  int fd = bound_endpoint("::", 7003);
  REQUIRE(fd >= 0);
  std::vector<int> clients, servers;
  for (int i = 0; i < 3; ++i) {
    int c = -1;
    servers.push_back(tcp_connection("::1", "::1", &c));
    REQUIRE(servers.back() >= 0);
    clients.push_back(c);
  }
  // One datagram with all three fds.
  int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::strcpy(to.sun_path, (g_dir + "/c.sock").c_str());
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(3 * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(3 * sizeof(int));
  std::memcpy(CMSG_DATA(c), servers.data(), 3 * sizeof(int));
  REQUIRE(::sendmsg(s, &msg, 0) == 1);
  ::close(s);
  for (int fd2 : servers) ::close(fd2);

  for (int i = 0; i < 3; ++i) {
    INFO("connection " << i);
    REQUIRE(readable(fd, 2000));
    int conn = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
    REQUIRE(conn >= 0);
    CHECK((::fcntl(conn, F_GETFL) & O_NONBLOCK) != 0);
    ::close(conn);
  }
  CHECK_FALSE(readable(fd, 0));
  errno = 0;
  CHECK(::accept(fd, nullptr, nullptr) == -1);
  CHECK(errno == EAGAIN);
  for (int cl : clients) ::close(cl);
  ::close(fd);
}

TEST_CASE("a blocking endpoint's accept waits for the next connection") {
  int fd = bound_endpoint("::", 7003, 0);  // the stale c.sock is replaced
  REQUIRE(fd >= 0);
  int client = -1;
  int server_side = tcp_connection("::1", "::1", &client);
  REQUIRE(server_side >= 0);
  std::thread sender([&] {
    ::usleep(100000);
    sb_send_fd((g_dir + "/c.sock").c_str(), server_side);
  });
  int conn = ::accept(fd, nullptr, nullptr);
  sender.join();
  REQUIRE(conn >= 0);
  ::close(conn);
  ::close(server_side);
  ::close(client);
  ::close(fd);
}

TEST_CASE("a copy of an endpoint (as after exec or dup) is recognised") {
  int fd = bound_endpoint("::1", 7001);
  REQUIRE(fd >= 0);
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 50);  // not a wrapped call: unknown to the library
  REQUIRE(copy >= 0);
  errno = 0;
  CHECK(::accept4(copy, nullptr, nullptr, 0) == -1);
  CHECK(errno == EAGAIN);  // not EOPNOTSUPP: it is an endpoint
  sockaddr_in6 got{};
  socklen_t len = sizeof got;
  REQUIRE(::getsockname(copy, reinterpret_cast<sockaddr*>(&got), &len) == 0);
  CHECK(ntohs(got.sin6_port) == 7001);
  ::close(copy);
  ::close(fd);
}

TEST_CASE("after close the fd number is an ordinary fd again") {
  int fd = bound_endpoint("::1", 7001);
  REQUIRE(fd >= 0);
  ::close(fd);
  int again = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(again == fd);  // lowest free number
  CHECK(int_option(again, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
  ::close(again);
}

TEST_CASE("a mapping that cannot be created fails bind with errno") {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a = v6("::1", 7004);
  errno = 0;
  CHECK(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == -1);
  CHECK(errno == ENOENT);
  CHECK(int_option(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);  // untouched
  ::close(fd);

  // A live receiver at the path: EADDRINUSE, not stolen.
  int first = bound_endpoint("::1", 7001);
  REQUIRE(first >= 0);
  int second = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 b = v6("::1", 7001);
  errno = 0;
  CHECK(::bind(second, reinterpret_cast<sockaddr*>(&b), sizeof b) == -1);
  CHECK(errno == EADDRINUSE);
  ::close(second);
  ::close(first);
}
