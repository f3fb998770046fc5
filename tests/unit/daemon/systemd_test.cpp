#include "socketbox/systemd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <string>

#include "socketbox/unique_fd.hpp"

using socketbox::UniqueFd;
namespace systemd = socketbox::systemd;

namespace {

// A datagram socket standing in for the service manager's notify socket.
UniqueFd bind_notify(const std::string& path, bool abstract) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (abstract) sa.sun_path[0] = '\0';
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size())) == 0);
  return fd;
}

std::string receive(int fd) {
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

TEST_CASE("notify sends one datagram to $NOTIFY_SOCKET", "[systemd]") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(systemd::notify("READY=1"));  // not under a service manager

  const std::string path = "/tmp/sb-notify-test." + std::to_string(::getpid());
  ::unlink(path.c_str());
  {
    const UniqueFd server = bind_notify(path, false);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    CHECK(systemd::notify("READY=1\nSTATUS=serving"));
    CHECK(receive(server.get()) == "READY=1\nSTATUS=serving");
  }
  ::unlink(path.c_str());

  const std::string abstract = "@sb-notify-test." + std::to_string(::getpid());
  const UniqueFd server = bind_notify(abstract, true);
  ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
  CHECK(systemd::notify("STOPPING=1"));
  CHECK(receive(server.get()) == "STOPPING=1");

  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(systemd::notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("listen_fds reads and clears systemd's socket-activation variables", "[systemd]") {
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  CHECK(systemd::listen_fds() == 0);

  // Another process's sockets are not ours; the variables are cleared anyway.
  ::setenv("LISTEN_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ::setenv("LISTEN_FDS", "1", 1);
  CHECK(systemd::listen_fds() == 0);
  CHECK(std::getenv("LISTEN_PID") == nullptr);
  CHECK(std::getenv("LISTEN_FDS") == nullptr);

  ::setenv("LISTEN_PID", "12x", 1);
  ::setenv("LISTEN_FDS", "1", 1);
  CHECK(systemd::listen_fds() == -EINVAL);

  // One socket at fd 3, as systemd passes it; it becomes close-on-exec.
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  const int saved = ::fcntl(systemd::kListenFdsStart, F_DUPFD_CLOEXEC, 100);  // -1 if fd 3 is free
  REQUIRE(::dup2(pair[0], systemd::kListenFdsStart) == systemd::kListenFdsStart);
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_FDNAMES", "sbd.socket", 1);
  CHECK(systemd::listen_fds() == 1);
  CHECK((::fcntl(systemd::kListenFdsStart, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(std::getenv("LISTEN_FDNAMES") == nullptr);
  if (saved >= 0) {
    ::dup2(saved, systemd::kListenFdsStart);
    ::close(saved);
  } else {
    ::close(systemd::kListenFdsStart);
  }
  ::close(pair[0]);
  ::close(pair[1]);
}
