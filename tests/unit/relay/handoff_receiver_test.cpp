#include "handoff_receiver.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "socketbox/unique_fd.hpp"

using namespace socketbox::relay;
using socketbox::UniqueFd;

namespace {

void send_fds(int sock, const std::vector<int>& fds) {
  char byte = 'x';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)]{};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  REQUIRE(sendmsg(sock, &msg, 0) == 1);
}

}  // namespace

TEST_CASE("hand-offs arrive in one batch, non-blocking and close-on-exec", "[handoff]") {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0);
  UniqueFd tx(sv[0]), rx(sv[1]);
  int a[2], b[2], p[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
  REQUIRE(pipe(p) == 0);
  UniqueFd a0(a[0]), a1(a[1]), b0(b[0]), b1(b[1]), p0(p[0]), p1(p[1]);
  send_fds(tx.get(), {a0.get()});
  send_fds(tx.get(), {b0.get(), b1.get()});
  send_fds(tx.get(), {p0.get()});  // not a socket: closed, not handed out

  HandoffReceiver h;
  CHECK(h.receive(rx.get(), std::nullopt) == 3);  // fewer than kBatch: drained
  REQUIRE(h.count() == 3);
  for (std::size_t i = 0; i < h.count(); ++i) {
    UniqueFd fd(h.fds()[i]);
    CHECK((fcntl(fd.get(), F_GETFL) & O_NONBLOCK) != 0);
    CHECK((fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  }
  CHECK(h.receive(rx.get(), std::nullopt) == -1);
  CHECK(errno == EAGAIN);

  // A sender uid is required but the datagram carries no credentials.
  send_fds(tx.get(), {a1.get()});
  CHECK(h.receive(rx.get(), getuid()) == 1);
  CHECK(h.count() == 0);
}
