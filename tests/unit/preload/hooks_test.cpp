// The preload's wrapped calls, in-process: this test binary links
// libsbpreload.so ahead of libc, so its own socket calls go through the
// library just as a preloaded server's do. The library reads its mappings
// at load, so the binary re-executes itself once with SB_PRELOAD_MAP set.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
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
#include "test_addresses.hpp"

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
                       "/b.sock\n[::]:7003=" + d + "/c.sock\n[::1]:7004=" + d +
                       "/missing/d.sock\n[::1]:7005=" + d + "/e.sock\n";
    std::string connects = "[fd00::7]:7101=" + d + "/e.sock\n192.0.2.7:7102=" + d +
                           "/e.sock\n[fd00::7]:7103=" + d + "/nobody.sock\n";
    ::setenv("SB_PRELOAD_MAP", maps.c_str(), 1);
    ::setenv("SB_PRELOAD_CONNECT", connects.c_str(), 1);
    // Listener mode; a short wait for the test of the timeout.
    std::string listeners = "[::1]:7201=" + d + "/l.sock\n[::1]:7202=" + d + "/nothing.sock\n";
    ::setenv("SB_PRELOAD_LISTENER", listeners.c_str(), 1);
    ::setenv("SB_PRELOAD_LISTENER_WAIT", "1", 1);
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

using socketbox::test::v6;

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

namespace {

std::string shown(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (a.ss_family == AF_INET6) {
    auto* p = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &p->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(p->sin6_port));
  }
  if (a.ss_family == AF_INET) {
    auto* p = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &p->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(p->sin_port));
  }
  return "family " + std::to_string(a.ss_family);
}

std::string name_of(int fd, bool peer) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (rc != 0) return "error " + std::to_string(errno);
  return shown(a);
}

bool writable(int fd, int ms) {
  pollfd p{fd, POLLOUT, 0};
  return ::poll(&p, 1, ms) == 1 && (p.revents & POLLOUT);
}

}  // namespace

TEST_CASE("a connect to a --connect address reaches that server and looks like TCP") {
  int ep = bound_endpoint("::1", 7005);
  REQUIRE(ep >= 0);

  int c = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  REQUIRE(c >= 0);
  int one = 1;
  REQUIRE(::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);  // still real TCP
  sockaddr_in6 to = v6("fd00::7", 7101);
  errno = 12345;
  // Non-blocking: connected at once (0), writable, SO_ERROR 0.
  REQUIRE(::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  CHECK(errno == 12345);  // untouched on success
  CHECK((::fcntl(c, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(writable(c, 0));
  int ep_fd = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN;
  REQUIRE(::epoll_ctl(ep_fd, EPOLL_CTL_ADD, c, &ev) == 0);
  epoll_event got_ev{};
  CHECK(::epoll_wait(ep_fd, &got_ev, 1, 0) == 1);
  CHECK(got_ev.events == EPOLLOUT);  // writable, nothing to read yet
  ::close(ep_fd);
  CHECK(int_option(c, SOL_SOCKET, SO_ERROR) == 0);
  CHECK(int_option(c, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
  CHECK(int_option(c, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
  CHECK(int_option(c, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP);
  CHECK(int_option(c, SOL_SOCKET, SO_ACCEPTCONN) == 0);
  CHECK(::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  CHECK(::setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &one, sizeof one) == 0);
  CHECK(::setsockopt(c, IPPROTO_IPV6, IPV6_TCLASS, &one, sizeof one) == 0);
  CHECK(::setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
  CHECK(int_option(c, IPPROTO_TCP, TCP_NODELAY) == 0);
  CHECK(name_of(c, true) == "[fd00::7]:7101");
  std::string me = name_of(c, false);
  CHECK(me.rfind("[::1]:", 0) == 0);
  errno = 0;
  CHECK(::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) == -1);
  CHECK(errno == EISCONN);

  // The server's side: accept names the client, getsockname the address dialled.
  REQUIRE(readable(ep, 2000));
  sockaddr_in6 peer{};
  socklen_t plen = sizeof peer;
  int s = ::accept4(ep, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
  REQUIRE(s >= 0);
  sockaddr_storage peer_st{};
  std::memcpy(&peer_st, &peer, sizeof peer);
  CHECK(plen == sizeof peer);
  CHECK(shown(peer_st) == me);
  CHECK(name_of(s, true) == me);
  CHECK(name_of(s, false) == "[fd00::7]:7101");
  // The receiver library's reading gives the same, with the preload loaded.
  sockaddr_storage lib_addr{};
  socklen_t lib_len = sizeof lib_addr;
  REQUIRE(sb_connection_address(s, 1, reinterpret_cast<sockaddr*>(&lib_addr), &lib_len) == 0);
  CHECK(shown(lib_addr) == me);
  CHECK(int_option(s, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
  CHECK(::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  REQUIRE(::write(c, "ping", 4) == 4);
  char buf[8] = {};
  CHECK(::read(s, buf, sizeof buf) == 4);
  CHECK(std::string(buf) == "ping");
  ::close(c);
  CHECK(::read(s, buf, sizeof buf) == 0);
  ::close(s);

  // IPv4 (and its v4-mapped form on an IPv6 socket), blocking, without CLOEXEC.
  int c4 = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to4{};
  to4.sin_family = AF_INET;
  to4.sin_port = htons(7102);
  inet_pton(AF_INET, "192.0.2.7", &to4.sin_addr);
  REQUIRE(::connect(c4, reinterpret_cast<sockaddr*>(&to4), sizeof to4) == 0);
  CHECK((::fcntl(c4, F_GETFL) & O_NONBLOCK) == 0);
  CHECK((::fcntl(c4, F_GETFD) & FD_CLOEXEC) == 0);
  CHECK(int_option(c4, SOL_SOCKET, SO_DOMAIN) == AF_INET);
  CHECK(name_of(c4, true) == "192.0.2.7:7102");
  CHECK(name_of(c4, false).rfind("127.0.0.1:", 0) == 0);
  int m6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 mapped = v6("::ffff:192.0.2.7", 7102);
  REQUIRE(::connect(m6, reinterpret_cast<sockaddr*>(&mapped), sizeof mapped) == 0);
  CHECK(name_of(m6, true) == "[::ffff:192.0.2.7]:7102");
  for (int i = 0; i < 2; ++i) {
    REQUIRE(readable(ep, 2000));
    int s4 = ::accept(ep, nullptr, nullptr);
    REQUIRE(s4 >= 0);
    CHECK(name_of(s4, false) == "[::ffff:192.0.2.7]:7102");  // as sbd's connections
    CHECK(name_of(s4, true).rfind("[::ffff:127.0.0.1]:", 0) == 0);
    ::close(s4);
  }
  ::close(m6);
  ::close(c4);
  ::close(ep);
}

TEST_CASE("a connect to a --connect address without a server is refused") {
  for (int type : {0, static_cast<int>(SOCK_NONBLOCK)}) {
    INFO("flags " << type);
    int c = ::socket(AF_INET6, SOCK_STREAM | type | SOCK_CLOEXEC, 0);
    sockaddr_in6 to = v6("fd00::7", 7103);  // nobody.sock does not exist
    errno = 0;
    CHECK(::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) == -1);
    CHECK(errno == ECONNREFUSED);
    CHECK(int_option(c, SOL_SOCKET, SO_DOMAIN) == AF_INET6);  // still the TCP socket
    ::close(c);

    // A stale socket file (the server is gone): refused too.
    int ep = bound_endpoint("::1", 7005);
    REQUIRE(ep >= 0);
    ::close(ep);
    c = ::socket(AF_INET6, SOCK_STREAM | type | SOCK_CLOEXEC, 0);
    to = v6("fd00::7", 7101);
    errno = 0;
    CHECK(::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) == -1);
    CHECK(errno == ECONNREFUSED);
    ::close(c);
  }
}

TEST_CASE("connects that are not mapped are left alone") {
  int client = -1;
  int server_side = tcp_connection("::1", "::1", &client);  // a real loopback connect
  REQUIRE(server_side >= 0);
  CHECK(int_option(client, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
  int nodelay = -1;
  socklen_t len = sizeof nodelay;
  int one = 1;
  CHECK(::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  CHECK(::getsockopt(client, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
  CHECK(nodelay == 1);  // the real option
  ::close(server_side);
  ::close(client);

  // UDP to a mapped address is not TCP: a real connect (no route here or a
  // real association), the socket stays UDP.
  int udp = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 to = v6("fd00::7", 7101);
  ::connect(udp, reinterpret_cast<sockaddr*>(&to), sizeof to);
  CHECK(int_option(udp, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
  CHECK(int_option(udp, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
  ::close(udp);

  // A TCP option on an ordinary Unix socket still fails as the kernel says.
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  errno = 0;
  CHECK(::setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1);
  CHECK(errno == EOPNOTSUPP);
  CHECK(int_option(sv[0], SOL_SOCKET, SO_DOMAIN) == AF_UNIX);
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST_CASE("listen() on a --listener mapping installs the listening socket sent to its path") {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);  // no FD_CLOEXEC: kept as is
  REQUIRE(fd >= 0);
  sockaddr_in6 a = v6("::1", 7201);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  const std::string path = g_dir + "/l.sock";

  // What sbd would send: a TCP socket listening elsewhere (here [::1]:random).
  int tcp = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 where = v6("::1", 0);
  socklen_t len = sizeof where;
  REQUIRE(::bind(tcp, reinterpret_cast<sockaddr*>(&where), sizeof where) == 0);
  REQUIRE(::listen(tcp, 8) == 0);
  REQUIRE(::getsockname(tcp, reinterpret_cast<sockaddr*>(&where), &len) == 0);
  REQUIRE(sb_send_fd(path.c_str(), tcp) == 0);
  ::close(tcp);

  REQUIRE(::listen(fd, 16) == 0);
  CHECK(int_option(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1);
  CHECK(int_option(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
  // getsockname is the kernel's now.
  sockaddr_in6 got{};
  len = sizeof got;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len) == 0);
  CHECK(got.sin6_port == where.sin6_port);
  // The receiving socket still holds the path.
  errno = 0;
  CHECK(sb_bind_receiver(path.c_str(), SB_BIND_CLOEXEC) == -1);
  CHECK(errno == EADDRINUSE);

  int client = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&where), sizeof where) == 0);
  REQUIRE(readable(fd, 2000));
  int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(conn >= 0);
  CHECK(int_option(conn, SOL_SOCKET, SO_DOMAIN) == AF_INET6);
  ::close(conn);
  ::close(client);
  ::close(fd);

  // A new bind of the mapping takes the path over from the kept socket
  // (which would otherwise make it fail with EADDRINUSE) and receives there.
  fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  int probe = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(sb_send_fd(path.c_str(), probe) == 0);
  ::close(probe);
  CHECK(readable(fd, 2000));
  ::close(fd);
}

TEST_CASE("listen() on a --listener mapping with nothing sent fails with EADDRNOTAVAIL") {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in6 a = v6("::1", 7202);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  errno = 0;
  CHECK(::listen(fd, 16) == -1);
  CHECK(errno == EADDRNOTAVAIL);
  ::close(fd);
}
