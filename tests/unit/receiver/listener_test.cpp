// sb_recv_listener: waiting on a receiving socket for a listening TCP socket.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "socketbox/receiver.h"
#include "test_support.hpp"

namespace {

struct Endpoint {
  sbtest::TempDir dir;
  std::string path = dir.file("l.sock");
  int fd;
  explicit Endpoint(int flags = SB_BIND_CLOEXEC) : fd(sb_bind_receiver(path.c_str(), flags)) {}
  ~Endpoint() {
    if (fd >= 0) ::close(fd);
  }
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;
};

// A TCP socket listening on 127.0.0.1 at a port the kernel picked.
struct TcpListener {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  TcpListener() {
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 8) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  ~TcpListener() {
    if (fd >= 0) ::close(fd);
  }
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
};

int int_option(int fd, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, SOL_SOCKET, name, &v, &len) == 0 ? v : -1;
}

long elapsed_ms(const timespec& since) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1000000;
}

}  // namespace

TEST_CASE("sb_recv_listener returns the listening socket sent, and it accepts") {
  Endpoint ep;
  REQUIRE(ep.fd >= 0);
  TcpListener tcp;
  REQUIRE(tcp.fd >= 0);
  REQUIRE(sb_send_fd(ep.path.c_str(), tcp.fd) == 0);
  const int flags = GENERATE(0, SOCK_NONBLOCK | SOCK_CLOEXEC);

  int l = sb_recv_listener(ep.fd, 2000, flags);
  REQUIRE(l >= 0);
  CHECK(int_option(l, SO_ACCEPTCONN) == 1);
  CHECK(int_option(l, SO_TYPE) == SOCK_STREAM);
  CHECK(((::fcntl(l, F_GETFL) & O_NONBLOCK) != 0) == ((flags & SOCK_NONBLOCK) != 0));
  CHECK(((::fcntl(l, F_GETFD) & FD_CLOEXEC) != 0) == ((flags & SOCK_CLOEXEC) != 0));

  // The sender's copy is gone: only the received one can accept.
  ::close(tcp.fd);
  tcp.fd = -1;
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(client >= 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&tcp.addr), sizeof tcp.addr) == 0);
  REQUIRE(sbtest::readable(l, 2000));
  int conn = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
  REQUIRE(conn >= 0);
  REQUIRE(::write(client, "x", 1) == 1);
  char c = 0;
  CHECK(::read(conn, &c, 1) == 1);
  CHECK(c == 'x');
  ::close(conn);
  ::close(client);
  ::close(l);
}

TEST_CASE("sb_recv_listener closes connections and other fds that come first") {
  Endpoint ep(SB_BIND_CLOEXEC | SB_BIND_NONBLOCK);
  REQUIRE(ep.fd >= 0);
  sbtest::Pair conn;  // a connected stream socket, what sbd sends for connection routes
  REQUIRE(sb_send_fd(ep.path.c_str(), conn.sent) == 0);
  conn.close_sent();
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(sb_send_fd(ep.path.c_str(), devnull) == 0);
  ::close(devnull);
  TcpListener tcp;
  REQUIRE(tcp.fd >= 0);
  REQUIRE(sb_send_fd(ep.path.c_str(), tcp.fd) == 0);

  int l = sb_recv_listener(ep.fd, 2000, SOCK_CLOEXEC);
  REQUIRE(l >= 0);
  CHECK(int_option(l, SO_ACCEPTCONN) == 1);
  CHECK(conn.far_end_closed());  // skipped and closed, not leaked
  // Nothing else waits.
  CHECK_FALSE(sbtest::readable(ep.fd, 0));
  ::close(l);
}

TEST_CASE("sb_recv_listener times out with ETIMEDOUT") {
  Endpoint ep;
  REQUIRE(ep.fd >= 0);
  sbtest::Pair conn;  // a connection alone does not end the wait
  REQUIRE(sb_send_fd(ep.path.c_str(), conn.sent) == 0);
  timespec start{};
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  errno = 0;
  CHECK(sb_recv_listener(ep.fd, 200, 0) == -1);
  CHECK(errno == ETIMEDOUT);
  const long ms = elapsed_ms(start);
  CHECK(ms >= 190);
  CHECK(ms < 5000);
  conn.close_sent();
  CHECK(conn.far_end_closed());

  errno = 0;
  CHECK(sb_recv_listener(ep.fd, 0, 0) == -1);
  CHECK(errno == ETIMEDOUT);
}

TEST_CASE("sb_recv_listener's errors") {
  Endpoint ep;
  REQUIRE(ep.fd >= 0);
  errno = 0;
  CHECK(sb_recv_listener(ep.fd, 0, O_APPEND) == -1);
  CHECK(errno == EINVAL);
  int bad = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(bad);
  errno = 0;
  CHECK(sb_recv_listener(bad, 100, 0) == -1);
  CHECK(errno == EBADF);
}

TEST_CASE("an sb_receiver keeps a listening socket for sb_receiver_take_listener when asked") {
  sbtest::TempDir dir;
  const std::string path = dir.file("r.sock");
  sb_receiver_options o{};
  o.nonblock = 1;
  sb_receiver* r = sb_receiver_open(path.c_str(), &o);
  REQUIRE(r != nullptr);
  TcpListener first, second;
  REQUIRE((first.fd >= 0 && second.fd >= 0));
  sbtest::Pair conn;

  SECTION("not asked: a listening socket is rejected, as before") {
    REQUIRE(sb_send_fd(path.c_str(), first.fd) == 0);
    int fds[4];
    CHECK(sb_receiver_accept_batch(r, fds, 4, SOCK_CLOEXEC) == 0);
    CHECK(sb_receiver_take_listener(r, SOCK_CLOEXEC) == -1);
    CHECK(errno == EAGAIN);
    CHECK(sb_receiver_stats(r)->rejected_type == 1);
  }
  SECTION("asked: connections come out as before, the latest listening socket is kept") {
    REQUIRE(sb_receiver_keep_listeners(r, 1) == 0);
    REQUIRE(sb_send_fd(path.c_str(), first.fd) == 0);
    REQUIRE(sb_send_fd(path.c_str(), conn.sent) == 0);
    REQUIRE(sb_send_fd(path.c_str(), second.fd) == 0);
    int fds[4];
    REQUIRE(sb_receiver_accept_batch(r, fds, 4, SOCK_CLOEXEC) == 1);
    CHECK(int_option(fds[0], SO_ACCEPTCONN) == 0);
    ::close(fds[0]);
    const int l = sb_receiver_take_listener(r, SOCK_NONBLOCK | SOCK_CLOEXEC);
    REQUIRE(l >= 0);
    CHECK(int_option(l, SO_ACCEPTCONN) == 1);
    CHECK((::fcntl(l, F_GETFL) & O_NONBLOCK) != 0);
    sockaddr_in got{};
    socklen_t len = sizeof got;
    REQUIRE(::getsockname(l, reinterpret_cast<sockaddr*>(&got), &len) == 0);
    CHECK(got.sin_port == second.addr.sin_port);  // the latest; the first was closed
    ::close(l);
    CHECK(sb_receiver_take_listener(r, 0) == -1);
    CHECK(errno == EAGAIN);
    CHECK(sb_receiver_stats(r)->rejected_type == 0);
  }
  SECTION("one kept at close is closed with the receiver") {
    REQUIRE(sb_receiver_keep_listeners(r, 1) == 0);
    REQUIRE(sb_send_fd(path.c_str(), first.fd) == 0);
    int fds[4];
    CHECK(sb_receiver_accept_batch(r, fds, 4, SOCK_CLOEXEC) == 0);
  }
  sb_receiver_close(r);
  CHECK(sb_receiver_keep_listeners(nullptr, 1) == -1);
  CHECK(sb_receiver_take_listener(nullptr, 0) == -1);
}
