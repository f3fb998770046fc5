#include "control_server.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <vector>

#include "control_protocol.hpp"
#include "setup_error.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;
using socketbox::UniqueFd;

namespace {

struct Fake : ControlHandler {
  int reloads = 0;
  StatusInfo status() override {
    StatusInfo s;
    s.listen = "[::1]:1";
    s.table = "t";
    return s;
  }
  ReloadRequest reload() override {
    ++reloads;
    return {0, {true, 7, {}}};
  }
};

UniqueFd connect_to(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strcpy(sa.sun_path, path.c_str());
  REQUIRE(connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  return fd;
}

// Runs the control server's part of the event loop until nothing is ready.
void pump(ControlServer& s, int epfd) {
  for (int round = 0; round < 10; ++round) {
    epoll_event ev[8];
    const int n = epoll_wait(epfd, ev, 8, 50);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      if (ev[i].data.u64 == 1)
        s.on_accept();
      else if (ev[i].data.u64 >= 100)
        s.on_client(static_cast<int>(ev[i].data.u64 - 100), ev[i].events);
    }
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

}  // namespace

TEST_CASE("control server: one command, one line of JSON, then closed") {
  TempDir dir;
  Fake h;
  const std::string path = dir / "ctl";
  ControlServer s(path, h);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
  s.attach(ep.get(), 100);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 1;
  REQUIRE(epoll_ctl(ep.get(), EPOLL_CTL_ADD, s.listen_fd(), &ev) == 0);

  UniqueFd c = connect_to(path);
  // Sent in two pieces: the server waits for the newline.
  REQUIRE(write(c.get(), "rel", 3) == 3);
  pump(s, ep.get());
  CHECK(h.reloads == 0);
  REQUIRE(write(c.get(), "oad\n", 4) == 4);
  pump(s, ep.get());
  CHECK(h.reloads == 1);
  CHECK(read_all(c.get()) == "{\"ok\":true,\"generation\":7}\n");

  UniqueFd c2 = connect_to(path);
  REQUIRE(write(c2.get(), "status", 6) == 6);
  shutdown(c2.get(), SHUT_WR);  // no newline, but EOF: still a command
  pump(s, ep.get());
  CHECK(read_all(c2.get()).rfind("{\"listen\":\"[::1]:1\"", 0) == 0);

  UniqueFd c3 = connect_to(path);
  const std::string junk(400, 'x');
  REQUIRE(write(c3.get(), junk.data(), junk.size()) == static_cast<ssize_t>(junk.size()));
  pump(s, ep.get());
  // An over-long command is not passed on as a command: it has its own answer.
  CHECK(
      read_all(c3.get()) ==
      "{\"ok\":false,\"error\":\"command longer than 255 bytes\",\"kind\":\"command_too_long\"}\n");
  CHECK(h.reloads == 1);
}

TEST_CASE("control server replaces a stale socket but nothing else") {
  TempDir dir;
  Fake h;
  const std::string path = dir / "ctl";
  {
    ControlServer first(path, h);
    first.keep_socket_file();
  }
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);  // stale socket left behind
  {
    ControlServer second(path, h);
    // While it runs, a third one must not steal its path.
    CHECK_THROWS_AS(ControlServer(path, h), SetupError);
  }
  CHECK(stat(path.c_str(), &st) != 0);  // removed at exit
  const std::string file = dir / "file";
  std::ofstream(file) << "x";
  CHECK_THROWS_WITH(ControlServer(file, h), Catch::Contains("exists and is not a socket"));
}

namespace {

// A daemon whose reloads finish later, as sbd's do (on the worker thread).
struct AsyncFake : Fake {
  ReloadRequest reload() override {
    ++reloads;
    return {5, {}};
  }
};

struct Served {
  TempDir dir;
  std::string path = dir / "ctl";
  UniqueFd ep{epoll_create1(EPOLL_CLOEXEC)};
  void attach(ControlServer& s) {
    s.attach(ep.get(), 100);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 1;
    REQUIRE(epoll_ctl(ep.get(), EPOLL_CTL_ADD, s.listen_fd(), &ev) == 0);
  }
};

bool closed_by_server(int fd) {
  char b;
  return recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

}  // namespace

TEST_CASE("control server: a reload is answered when it finishes, not before") {
  Served sv;
  AsyncFake h;
  ControlServer s(sv.path, h);
  sv.attach(s);
  UniqueFd c = connect_to(sv.path);
  REQUIRE(write(c.get(), "reload\n", 7) == 7);
  pump(s, sv.ep.get());
  CHECK(h.reloads == 1);
  char b;
  CHECK(recv(c.get(), &b, 1, MSG_DONTWAIT) < 0);  // nothing yet, still open
  s.complete(4, socketbox::control::to_line(socketbox::control::ReloadAnswer{
                    true, 3, {}}));  // an earlier reload: not this one's
  CHECK(recv(c.get(), &b, 1, MSG_DONTWAIT) < 0);
  s.complete(5, socketbox::control::to_line(socketbox::control::ReloadAnswer{
                    false, 3, "/t.conf: is a FIFO, not a regular file"}));
  CHECK(read_all(c.get()) ==
        "{\"ok\":false,\"error\":\"/t.conf: is a FIFO, not a regular file\"}\n");
}

TEST_CASE("control server: when full, the oldest idle client makes room") {
  Served sv;
  Fake h;
  ControlServer s(sv.path, h);
  sv.attach(s);
  std::vector<UniqueFd> idle;
  for (int i = 0; i < ControlServer::kMaxClients; ++i) {
    idle.push_back(connect_to(sv.path));
    pump(s, sv.ep.get());
  }
  UniqueFd op = connect_to(sv.path);
  REQUIRE(write(op.get(), "status\n", 7) == 7);
  pump(s, sv.ep.get());
  CHECK(read_all(op.get()).rfind("{\"listen\":", 0) == 0);
  CHECK(closed_by_server(idle[0].get()));  // the oldest went
  CHECK_FALSE(closed_by_server(idle[1].get()));
}

namespace {

// Keeps the descriptor `listener` brings, as sbd's holder does.
struct KeepingFake : Fake {
  UniqueFd kept;
  ListenerResult listener(UniqueFd fd) override {
    kept = std::move(fd);
    return {80, ""};
  }
};

// Sends `line` with `fds` attached (SCM_RIGHTS) on one sendmsg.
void send_with_fds(int sock, const std::string& line, std::vector<int> fds) {
  iovec iov{const_cast<char*>(line.data()), line.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(8 * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
  std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
  REQUIRE(sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(line.size()));
}

// A socket pair: `sent` goes to the server (and is closed here), `probe`
// tells whether every copy of it was closed (it reads EOF).
struct Probe {
  UniqueFd sent, probe;
  Probe() {
    int p[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0);
    sent.reset(p[0]);
    probe.reset(p[1]);
  }
  bool closed_everywhere() const {
    char b;
    return recv(probe.get(), &b, 1, MSG_DONTWAIT) == 0;
  }
};

}  // namespace

TEST_CASE("control server: one descriptor comes with listener, any other is closed") {
  Served sv;
  KeepingFake h;
  ControlServer s(sv.path, h);
  sv.attach(s);

  Probe taken;
  UniqueFd c = connect_to(sv.path);
  send_with_fds(c.get(), "listener\n", {taken.sent.get()});
  taken.sent.reset();
  pump(s, sv.ep.get());
  CHECK(read_all(c.get()) == "{\"ok\":true,\"port\":80}\n");
  REQUIRE(h.kept);
  CHECK((fcntl(h.kept.get(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK_FALSE(taken.closed_everywhere());
  h.kept.reset();
  CHECK(taken.closed_everywhere());

  // With another command: answered as without, the descriptor closed.
  Probe with_status;
  UniqueFd c2 = connect_to(sv.path);
  send_with_fds(c2.get(), "status\n", {with_status.sent.get()});
  with_status.sent.reset();
  pump(s, sv.ep.get());
  CHECK(read_all(c2.get()).rfind("{\"listen\":", 0) == 0);
  CHECK(with_status.closed_everywhere());
  CHECK_FALSE(h.kept);

  // More than one: refused, all closed.
  Probe a, b;
  UniqueFd c3 = connect_to(sv.path);
  send_with_fds(c3.get(), "listener\n", {a.sent.get(), b.sent.get()});
  a.sent.reset();
  b.sent.reset();
  pump(s, sv.ep.get());
  CHECK(read_all(c3.get()).find("\"kind\":\"bad_arguments\"") != std::string::npos);
  CHECK(a.closed_everywhere());
  CHECK(b.closed_everywhere());
  CHECK_FALSE(h.kept);

  // A client that goes away before its newline: its descriptor goes too.
  Probe gone;
  {
    UniqueFd c4 = connect_to(sv.path);
    send_with_fds(c4.get(), "lis", {gone.sent.get()});
    gone.sent.reset();
    pump(s, sv.ep.get());
  }
  pump(s, sv.ep.get());
  CHECK(gone.closed_everywhere());

  // listener without a descriptor.
  UniqueFd c5 = connect_to(sv.path);
  REQUIRE(write(c5.get(), "listener\n", 9) == 9);
  pump(s, sv.ep.get());
  CHECK(read_all(c5.get()) ==
        "{\"ok\":false,\"error\":\"listener needs a listening socket attached\",\"kind\":"
        "\"bad_arguments\"}\n");
}
