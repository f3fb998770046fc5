// sb_recv_fds and sb_receiver: what gets through, what gets closed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <memory>
#include <vector>

#include "socketbox/receiver.h"
#include "socketbox/receiver.hpp"
#include "test_support.hpp"

namespace {

struct Endpoint {
  sbtest::TempDir dir;
  std::string path = dir.file("r.sock");
  int fd = sb_bind_receiver(path.c_str(), SB_BIND_NONBLOCK | SB_BIND_CLOEXEC);
  ~Endpoint() { ::close(fd); }
};

// A non-blocking sb_receiver in a temp dir of its own (check r.valid()).
struct OpenReceiver {
  sbtest::TempDir dir;
  std::string path = dir.file("r.sock");
  socketbox::Receiver r;
  explicit OpenReceiver(sb_receiver_options opts = {}) {
    opts.nonblock = 1;
    r = socketbox::Receiver(path.c_str(), opts);
  }
};

}  // namespace

TEST_CASE("one socket per datagram arrives close-on-exec and connected") {
  Endpoint ep;
  REQUIRE(ep.fd >= 0);
  sbtest::Pair p;
  REQUIRE(sb_send_fd(ep.path.c_str(), p.sent) == 0);
  int fds[4];
  sb_recv_stats st{};
  REQUIRE(sb_recv_fds(ep.fd, fds, 4, nullptr, &st) == 1);
  CHECK(st.received == 1);
  CHECK((::fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE(::write(fds[0], "x", 1) == 1);
  char c = 0;
  CHECK(::read(p.kept, &c, 1) == 1);
  CHECK(c == 'x');
  ::close(fds[0]);
}

TEST_CASE("several fds in one datagram, also in several SCM_RIGHTS messages") {
  Endpoint ep;
  int messages = GENERATE(1, 3);
  std::vector<std::unique_ptr<sbtest::Pair>> pairs;
  std::vector<int> sent;
  for (int i = 0; i < 6; ++i) {
    pairs.push_back(std::make_unique<sbtest::Pair>());
    sent.push_back(pairs.back()->sent);
  }
  REQUIRE(sbtest::send_fds(ep.path, sent, messages) == 0);
  int fds[SB_RECV_MAX_FDS];
  REQUIRE(sb_recv_fds(ep.fd, fds, SB_RECV_MAX_FDS, nullptr, nullptr) == 6);
  for (int i = 0; i < 6; ++i) {
    // In order: writing to the i-th received reaches the i-th kept end.
    REQUIRE(::write(fds[i], "y", 1) == 1);
    char c;
    CHECK(::read(pairs[static_cast<size_t>(i)]->kept, &c, 1) == 1);
    ::close(fds[i]);
  }
}

TEST_CASE("fds that are not connected stream sockets are closed, the rest delivered") {
  Endpoint ep;
  sbtest::Pair good;
  sbtest::Pair dgram(SOCK_DGRAM);
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  int listener = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  REQUIRE(::listen(listener, 1) == 0);

  REQUIRE(sbtest::send_fds(ep.path, {dgram.sent, good.sent, pipefd[1], listener}) == 0);
  dgram.close_sent();
  good.close_sent();
  ::close(pipefd[1]);
  ::close(listener);

  int fds[8];
  sb_recv_stats st{};
  REQUIRE(sb_recv_fds(ep.fd, fds, 8, nullptr, &st) == 1);
  CHECK(st.rejected_type == 3);
  CHECK(st.received == 1);
  CHECK(dgram.dgram_peer_gone());
  char c;
  CHECK(::read(pipefd[0], &c, 1) == 0);  // write end closed everywhere: EOF
  CHECK_FALSE(good.far_end_closed());
  ::close(fds[0]);
  CHECK(good.far_end_closed());
  ::close(pipefd[0]);
}

TEST_CASE("a truncated datagram (MSG_CTRUNC) has every fd that arrived closed") {
  Endpoint ep;
  std::vector<std::unique_ptr<sbtest::Pair>> pairs;
  std::vector<int> sent;
  for (int i = 0; i < 5; ++i) {
    pairs.push_back(std::make_unique<sbtest::Pair>());
    sent.push_back(pairs.back()->sent);
  }
  REQUIRE(sbtest::send_fds(ep.path, sent) == 0);
  for (auto& p : pairs) p->close_sent();
  int fds[2];
  sb_recv_stats st{};
  CHECK(sb_recv_fds(ep.fd, fds, 2, nullptr, &st) == 0);
  CHECK(st.truncated == 1);
  for (auto& p : pairs) CHECK(p->far_end_closed());
}

TEST_CASE("invalid arguments give EINVAL") {
  Endpoint ep;
  int fds[1];
  errno = 0;
  CHECK(sb_recv_fds(ep.fd, fds, 0, nullptr, nullptr) == -1);
  CHECK(errno == EINVAL);
  CHECK(sb_recv_fds(ep.fd, fds, SB_RECV_MAX_FDS + 1, nullptr, nullptr) == -1);
  CHECK(sb_receiver_accept(nullptr, 0) == -1);
}

TEST_CASE("the sender uid check rejects and closes sockets from anyone else") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to send as another user");
    return;
  }
  sbtest::TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  std::string path = dir.file("r.sock");
  int fd = sb_bind_receiver(path.c_str(), SB_BIND_NONBLOCK | SB_BIND_PASSCRED);
  REQUIRE(fd >= 0);
  REQUIRE(::chmod(path.c_str(), 0666) == 0);  // let the forger reach it at all
  const struct passwd* nobody = ::getpwnam("nobody");
  uid_t forger = nobody ? nobody->pw_uid : 65534;

  static const unsigned char token[4] = {'t', 'o', 'k', '!'};
  sbtest::Pair from_forger, with_token;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setgid(forger) != 0 || ::setuid(forger) != 0) ::_exit(3);
    if (sb_send_fd(path.c_str(), from_forger.sent) != 0) ::_exit(4);
    int s = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    ::_exit(sb_send_fd_payload(s, path.c_str(), with_token.sent, token, sizeof token) == 0 ? 0 : 5);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  from_forger.close_sent();
  with_token.close_sent();

  sbtest::Pair from_root;
  REQUIRE(sb_send_fd(path.c_str(), from_root.sent) == 0);

  sb_recv_filter filter{1, 0, token, sizeof token};
  sb_recv_stats st{};
  int fds[4];
  CHECK(sb_recv_fds(fd, fds, 4, &filter, &st) == 0);  // the forger's
  CHECK(st.rejected_sender == 1);
  CHECK(from_forger.far_end_closed());
  // The token (the preload's mark on datagrams it re-sends) is trusted.
  REQUIRE(sb_recv_fds(fd, fds, 4, &filter, &st) == 1);
  ::close(fds[0]);
  CHECK(with_token.far_end_closed());
  REQUIRE(sb_recv_fds(fd, fds, 4, &filter, &st) == 1);  // root's
  ::close(fds[0]);

  // Without SO_PASSCRED there are no credentials: a uid check rejects all.
  std::string plain = dir.file("plain.sock");
  int nocred = sb_bind_receiver(plain.c_str(), SB_BIND_NONBLOCK);
  REQUIRE(nocred >= 0);
  sbtest::Pair p;
  REQUIRE(sb_send_fd(plain.c_str(), p.sent) == 0);
  p.close_sent();
  CHECK(sb_recv_fds(nocred, fds, 4, &filter, &st) == 0);
  CHECK(p.far_end_closed());
  ::close(nocred);
  ::close(fd);
}

TEST_CASE("sb_receiver queues the extra sockets of a datagram") {
  OpenReceiver o;
  auto& [dir, path, r] = o;
  REQUIRE(r.valid());
  std::vector<std::unique_ptr<sbtest::Pair>> pairs;
  std::vector<int> sent;
  for (int i = 0; i < 3; ++i) {
    pairs.push_back(std::make_unique<sbtest::Pair>());
    sent.push_back(pairs.back()->sent);
  }
  REQUIRE(sbtest::send_fds(path, sent) == 0);
  for (auto& p : pairs) p->close_sent();

  int a = r.accept(SOCK_NONBLOCK);
  REQUIRE(a >= 0);
  CHECK((::fcntl(a, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(a, F_GETFD) & FD_CLOEXEC) == 0);  // not asked for
  CHECK(r.pending() == 2);
  int b = r.accept(SOCK_CLOEXEC);
  REQUIRE(b >= 0);
  CHECK((::fcntl(b, F_GETFL) & O_NONBLOCK) == 0);
  CHECK((::fcntl(b, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(r.pending() == 1);
  CHECK(r.stats().received == 3);
  ::close(a);
  ::close(b);
  {
    socketbox::Receiver gone = std::move(r);  // closing it closes the queued one
  }
  CHECK(pairs[2]->far_end_closed());
  CHECK(r.accept() == -1);
}

TEST_CASE("a non-blocking sb_receiver with nothing queued says EAGAIN") {
  OpenReceiver o;
  socketbox::Receiver& r = o.r;
  REQUIRE(r.valid());
  errno = 0;
  CHECK(r.accept() == -1);
  CHECK(errno == EAGAIN);
}

TEST_CASE("received sockets lose the sender's O_NONBLOCK unless asked for") {
  Endpoint ep;
  sbtest::Pair p;
  REQUIRE(::fcntl(p.sent, F_SETFL, O_NONBLOCK) == 0);
  REQUIRE(sb_send_fd(ep.path.c_str(), p.sent) == 0);
  int fds[1];
  REQUIRE(sb_recv_fds(ep.fd, fds, 1, nullptr, nullptr) == 1);
  REQUIRE(sb_apply_accept_flags(fds[0], 0) == 0);
  CHECK((::fcntl(fds[0], F_GETFL) & O_NONBLOCK) == 0);
  ::close(fds[0]);
}

TEST_CASE("sb_receiver reads the waiting datagrams in one batch and hands them out together") {
  OpenReceiver o;
  auto& [dir, path, r] = o;
  REQUIRE(r.valid());
  // Eight datagrams (net.unix.max_dgram_qlen is 10 by default), one of them
  // carrying a pipe, which is closed.
  constexpr int kSockets = 7;
  std::vector<std::unique_ptr<sbtest::Pair>> pairs;
  for (int i = 0; i < kSockets; ++i) {
    pairs.push_back(std::make_unique<sbtest::Pair>());
    REQUIRE(sb_send_fd(path.c_str(), pairs.back()->sent) == 0);
    if (i == 2) {
      int p[2];
      REQUIRE(::pipe(p) == 0);
      REQUIRE(sb_send_fd(path.c_str(), p[0]) == 0);
      ::close(p[0]);
      ::close(p[1]);
    }
  }
  int fds[SB_RECV_BATCH * SB_RECV_MAX_FDS];
  // At most 2: one recvmmsg read all eight, the rest stay queued.
  const int first = r.accept_batch(fds, 2, SOCK_NONBLOCK | SOCK_CLOEXEC);
  REQUIRE(first == 2);
  CHECK(r.pending() == kSockets - 2);
  CHECK(r.stats().rejected_type == 1);
  CHECK(r.stats().received == kSockets);
  for (int i = 0; i < first; ++i) {
    CHECK((::fcntl(fds[i], F_GETFL) & O_NONBLOCK) != 0);
    CHECK((::fcntl(fds[i], F_GETFD) & FD_CLOEXEC) != 0);
  }
  const int rest = r.accept_batch(fds + first, static_cast<int>(std::size(fds)) - first, 0);
  REQUIRE(rest == kSockets - 2);
  CHECK(r.pending() == 0);
  CHECK((::fcntl(fds[first], F_GETFL) & O_NONBLOCK) == 0);
  CHECK((::fcntl(fds[first], F_GETFD) & FD_CLOEXEC) == 0);
  for (int i = 0; i < kSockets; ++i) {
    // In order: the i-th received is the i-th sent.
    REQUIRE(::write(fds[i], "z", 1) == 1);
    char c = 0;
    CHECK(::read(pairs[static_cast<std::size_t>(i)]->kept, &c, 1) == 1);
    ::close(fds[i]);
  }
  errno = 0;
  CHECK(r.accept_batch(fds, 4, 0) == -1);
  CHECK(errno == EAGAIN);
  CHECK(r.accept_batch(nullptr, 4, 0) == -1);
  CHECK(errno == EINVAL);
}

TEST_CASE("sb_receiver with a sender uid: a batch from anyone else is closed, nothing handed out") {
  sb_receiver_options opts{};
  opts.require_uid = 1;
  opts.uid = ::getuid() + 1;  // not us
  OpenReceiver o(opts);
  auto& [dir, path, r] = o;
  REQUIRE(r.valid());
  sbtest::Pair a, b;
  REQUIRE(sb_send_fd(path.c_str(), a.sent) == 0);
  REQUIRE(sb_send_fd(path.c_str(), b.sent) == 0);
  a.close_sent();
  b.close_sent();
  int fds[8];
  CHECK(r.accept_batch(fds, 8, 0) == 0);
  CHECK(r.stats().rejected_sender == 2);
  CHECK(a.far_end_closed());
  CHECK(b.far_end_closed());
}

namespace {

// A TCP connection over loopback: the client's end, the server's end.
struct TcpPair {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int server = -1;
  TcpPair() {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        ::listen(listener, 1) == 0 &&
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len) == 0 &&
        ::connect(client, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0)
      server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  }
  ~TcpPair() {
    for (int fd : {listener, client, server})
      if (fd >= 0) ::close(fd);
  }
};

}  // namespace

TEST_CASE("sb_is_acceptable_socket: connected stream sockets of IP or Unix, nothing else") {
  TcpPair tcp;
  REQUIRE(tcp.server >= 0);
  CHECK(sb_is_acceptable_socket(tcp.server) == 1);
  CHECK(sb_is_acceptable_socket(tcp.client) == 1);
  CHECK(sb_is_acceptable_socket(tcp.listener) == 0);
  const int listener6 = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(::listen(listener6, 1) == 0);
  CHECK(sb_is_acceptable_socket(listener6) == 0);
  ::close(listener6);
  const int fresh = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(sb_is_acceptable_socket(fresh) == 1);  // as the checks before TCP_INFO said
  ::close(fresh);
  const int udp = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(sb_is_acceptable_socket(udp) == 0);
  ::close(udp);
  sbtest::Pair unix_stream;
  CHECK(sb_is_acceptable_socket(unix_stream.sent) == 1);
  sbtest::Pair unix_seqpacket(SOCK_SEQPACKET);
  CHECK(sb_is_acceptable_socket(unix_seqpacket.sent) == 0);
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  errno = 1234;
  CHECK(sb_is_acceptable_socket(pipefd[0]) == 0);
  CHECK(errno == 1234);
  ::close(pipefd[0]);
  ::close(pipefd[1]);
  CHECK(sb_is_acceptable_socket(-1) == 0);
}

TEST_CASE("sb_receiver_accept gives a received TCP socket exactly accept4()'s flags") {
  OpenReceiver o;
  REQUIRE(o.r.valid());
  TcpPair a, b;
  REQUIRE(a.server >= 0);
  REQUIRE(b.server >= 0);
  REQUIRE(::fcntl(a.server, F_SETFL, O_NONBLOCK) == 0);  // the sender's flag is not kept
  REQUIRE(sb_send_fd(o.path.c_str(), a.server) == 0);
  REQUIRE(sb_send_fd(o.path.c_str(), b.server) == 0);
  const int blocking = o.r.accept(0);
  REQUIRE(blocking >= 0);
  CHECK((::fcntl(blocking, F_GETFL) & O_NONBLOCK) == 0);
  CHECK((::fcntl(blocking, F_GETFD) & FD_CLOEXEC) == 0);
  const int nonblocking = o.r.accept(SOCK_NONBLOCK | SOCK_CLOEXEC);
  REQUIRE(nonblocking >= 0);
  CHECK((::fcntl(nonblocking, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(nonblocking, F_GETFD) & FD_CLOEXEC) != 0);
  ::close(blocking);
  ::close(nonblocking);
}
