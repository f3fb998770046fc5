// sb_bind_receiver: creating the receiving socket file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>

#include "socketbox/receiver.h"
#include "test_support.hpp"

TEST_CASE("the receiving socket is created with mode 0660") {
  sbtest::TempDir dir;
  std::string path = dir.file("r.sock");
  ::umask(022);
  int fd = sb_bind_receiver(path.c_str(), SB_BIND_CLOEXEC);
  REQUIRE(fd >= 0);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0660);
  ::close(fd);
}

TEST_CASE("a stale socket file is replaced, a live one is not") {
  sbtest::TempDir dir;
  std::string path = dir.file("r.sock");
  int first = sb_bind_receiver(path.c_str(), 0);
  REQUIRE(first >= 0);

  errno = 0;
  CHECK(sb_bind_receiver(path.c_str(), 0) == -1);
  CHECK(errno == EADDRINUSE);

  ::close(first);  // the file stays behind, stale
  int second = sb_bind_receiver(path.c_str(), 0);
  REQUIRE(second >= 0);
  sbtest::Pair p;
  REQUIRE(sb_send_fd(path.c_str(), p.sent) == 0);
  CHECK(sbtest::readable(second, 1000));
  ::close(second);
}

TEST_CASE("paths that cannot be receivers are refused with errno") {
  sbtest::TempDir dir;
  std::string file = dir.file("plain");
  std::ofstream(file) << "x";
  errno = 0;
  CHECK(sb_bind_receiver(file.c_str(), 0) == -1);
  CHECK(errno == EEXIST);

  std::string long_path = dir.path() + "/" + std::string(120, 'a');
  errno = 0;
  CHECK(sb_bind_receiver(long_path.c_str(), 0) == -1);
  CHECK(errno == ENAMETOOLONG);

  errno = 0;
  CHECK(sb_bind_receiver(dir.file("missing/r.sock").c_str(), 0) == -1);
  CHECK(errno == ENOENT);
}

TEST_CASE("flags set O_NONBLOCK and FD_CLOEXEC") {
  sbtest::TempDir dir;
  int fd = sb_bind_receiver(dir.file("r.sock").c_str(), SB_BIND_NONBLOCK | SB_BIND_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  int fds[1];
  errno = 0;
  CHECK(sb_recv_fds(fd, fds, 1, nullptr, nullptr) == -1);
  CHECK(errno == EAGAIN);
  ::close(fd);
}
