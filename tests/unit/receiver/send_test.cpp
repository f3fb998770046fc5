// sb_send_fd: the sender half, and how failures are reported.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>

#include "socketbox/receiver.h"
#include "test_support.hpp"

TEST_CASE("sending to a missing or stale receiver fails with errno") {
  sbtest::TempDir dir;
  sbtest::Pair p;
  errno = 0;
  CHECK(sb_send_fd(dir.file("nobody.sock").c_str(), p.sent) == -1);
  CHECK(errno == ENOENT);

  std::string path = dir.file("stale.sock");
  int fd = sb_bind_receiver(path.c_str(), 0);
  REQUIRE(fd >= 0);
  ::close(fd);
  errno = 0;
  CHECK(sb_send_fd(path.c_str(), p.sent) == -1);
  CHECK(errno == ECONNREFUSED);
}

TEST_CASE("the datagram is one NUL byte with exactly one fd") {
  sbtest::TempDir dir;
  std::string path = dir.file("r.sock");
  int fd = sb_bind_receiver(path.c_str(), SB_BIND_NONBLOCK);
  REQUIRE(fd >= 0);
  sbtest::Pair p;
  REQUIRE(sb_send_fd(path.c_str(), p.sent) == 0);

  char payload[8];
  iovec iov{payload, sizeof payload};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  REQUIRE(::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) == 1);
  CHECK(payload[0] == '\0');
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  REQUIRE(c != nullptr);
  CHECK(c->cmsg_type == SCM_RIGHTS);
  CHECK(c->cmsg_len == CMSG_LEN(sizeof(int)));
  int got;
  std::memcpy(&got, CMSG_DATA(c), sizeof got);
  ::close(got);
  ::close(fd);
}

TEST_CASE("a full receiver gives EAGAIN instead of blocking the sender") {
  sbtest::TempDir dir;
  std::string path = dir.file("r.sock");
  int fd = sb_bind_receiver(path.c_str(), 0);
  REQUIRE(fd >= 0);
  sbtest::Pair p;
  int rc = 0;
  for (int i = 0; i < 100000 && rc == 0; ++i) rc = sb_send_fd(path.c_str(), p.sent);
  CHECK(rc == -1);
  CHECK(errno == EAGAIN);
  ::close(fd);  // the queued datagrams and their fds go with it
}
