#include "socketbox/systemd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

TEST_CASE("journal entries: FIELD=value lines, binary form for newlines", "[systemd]") {
  char buf[128];
  systemd::JournalEntry e(buf, sizeof buf);
  e.add("MESSAGE", "hello");
  e.add("SB_X", "a\nb");
  REQUIRE(e.ok());
  // FIELD\n, the length as 64-bit little-endian, the value, \n.
  const std::string want =
      std::string("MESSAGE=hello\nSB_X\n") + std::string("\x03\0\0\0\0\0\0\0", 8) + "a\nb\n";
  CHECK(std::string(e.data()) == want);

  char tiny[10];
  systemd::JournalEntry t(tiny, sizeof tiny);
  t.add("MESSAGE", "too long for it");
  CHECK_FALSE(t.ok());
  CHECK(t.data().size() <= sizeof tiny);
}

TEST_CASE("the journal socket sends one datagram per entry, never blocking", "[systemd]") {
  const std::string path = "/tmp/sb-journal-test." + std::to_string(::getpid());
  ::unlink(path.c_str());
  {
    CHECK_FALSE(systemd::JournalSocket(path.c_str()).is_open());  // nobody there
    CHECK(errno == ENOENT);
    CHECK_FALSE(systemd::JournalSocket().is_open());

    const UniqueFd server = bind_notify(path, false);
    systemd::JournalSocket j(path.c_str());
    REQUIRE(j.is_open());
    CHECK(j.send("MESSAGE=one\n") == 0);
    CHECK(receive(server.get()) == "MESSAGE=one\n");
    // Nobody reads: the queue fills and sends fail at once with EAGAIN.
    int err = 0;
    for (int i = 0; i < 10000 && err == 0; ++i) err = j.send("MESSAGE=flood\n");
    CHECK(err == EAGAIN);
  }
  ::unlink(path.c_str());
}

TEST_CASE("the journal socket connects again after journald restarted", "[systemd]") {
  const std::string path = "/tmp/sb-journal-restart." + std::to_string(::getpid());
  ::unlink(path.c_str());
  systemd::JournalSocket j;
  {
    const UniqueFd first = bind_notify(path, false);
    j = systemd::JournalSocket(path.c_str());
    REQUIRE(j.is_open());
    CHECK(j.send("MESSAGE=before\n") == 0);
    CHECK(receive(first.get()) == "MESSAGE=before\n");
  }
  CHECK(j.send("MESSAGE=lost\n") != 0);  // nobody there: dropped, not waited for
  ::unlink(path.c_str());
  const UniqueFd second = bind_notify(path, false);
  CHECK(j.send("MESSAGE=after\n") == 0);
  CHECK(receive(second.get()) == "MESSAGE=after\n");
  ::unlink(path.c_str());
}

TEST_CASE("stderr_is_journal compares $JOURNAL_STREAM with fd 2", "[systemd]") {
  struct stat st {};
  REQUIRE(::fstat(STDERR_FILENO, &st) == 0);
  ::unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(systemd::stderr_is_journal());
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  ::setenv("JOURNAL_STREAM", mine.c_str(), 1);
  CHECK(systemd::stderr_is_journal());
  ::setenv("JOURNAL_STREAM", (mine + "1").c_str(), 1);
  CHECK_FALSE(systemd::stderr_is_journal());
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  CHECK_FALSE(systemd::stderr_is_journal());
  ::unsetenv("JOURNAL_STREAM");
}
