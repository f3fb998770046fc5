// ListenerHolder: which sockets it takes, when it sends them to a line's
// path, and that it closes what no table line names.
#include "listener_holder.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "receiver_socket.hpp"
#include "temp_dir.hpp"

using namespace socketbox::daemon;
using socketbox::UniqueFd;
namespace tbl = socketbox::table;

namespace {

// A transparent TCP listening socket on [::1]:0 (a port the kernel picks),
// as sbctl makes them (IPV6_TRANSPARENT needs root, as these tests have);
// its port.
UniqueFd listening(std::uint16_t& port, bool listen_too = true, bool transparent = true) {
  UniqueFd fd(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  const int one = 1;
  if (transparent)
    REQUIRE(setsockopt(fd.get(), IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof one) == 0);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  if (listen_too) REQUIRE(listen(fd.get(), 4) == 0);
  socklen_t len = sizeof sa;
  REQUIRE(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  port = ntohs(sa.sin6_port);
  return fd;
}

bool is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

// Whether `fd` (received) is the same socket as `held`.
bool same_socket(int fd, int held) {
  struct stat a {
  }, b{};
  return fstat(fd, &a) == 0 && fstat(held, &b) == 0 && a.st_ino == b.st_ino;
}

// One message a fake systemd manager got: its state line and the
// descriptor it carried, if any; nullopt when none waits.
struct Note {
  std::string text;
  UniqueFd fd;
};
std::optional<Note> next_note(ReceiverSocket& manager) {
  char buf[256];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(manager.fd.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n <= 0) return std::nullopt;
  Note note{std::string(buf, static_cast<std::size_t>(n)), {}};
  if (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c && c->cmsg_type == SCM_RIGHTS) {
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    note.fd.reset(fd);
  }
  return note;
}

// The state lines waiting, in order (their descriptors closed).
std::vector<std::string> notes(ReceiverSocket& manager) {
  std::vector<std::string> out;
  while (auto n = next_note(manager)) out.push_back(std::move(n->text));
  return out;
}

struct NoFdStore {
  NoFdStore() { ::unsetenv("NOTIFY_SOCKET"); }
};

}  // namespace

TEST_CASE("listener holder takes only listening TCP IPv6 sockets bound to a port",
          "[listener_holder]") {
  NoFdStore no_store;
  HandoffSender sender;
  ListenerHolder h(sender, false);
  std::uint16_t port = 0;

  UniqueFd unix_sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  CHECK(h.take(std::move(unix_sock), 0).error ==
        "the socket attached is not an IPv6 (AF_INET6) socket");
  UniqueFd udp(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  CHECK(h.take(std::move(udp), 0).error == "the socket attached is not a stream socket");
  CHECK(h.take(listening(port, false), 0).error ==
        "the socket attached is not listening (SO_ACCEPTCONN is 0)");
  UniqueFd file(open("/dev/null", O_RDONLY | O_CLOEXEC));
  CHECK(h.take(std::move(file), 0).error == "the descriptor attached is not a socket");
  CHECK(h.take(listening(port, true, false), 0).error ==
        "the socket attached is not transparent (IPV6_TRANSPARENT): TPROXY cannot hand it "
        "connections");
  CHECK(h.held() == 0);

  // Made in another network namespace (a container's): refused once sbd
  // names its own socket's namespace.
  {
    UniqueFd own = listening(port);
    ListenerHolder strict(sender, false);
    strict.require_netns_of(own.get());
    // The thread alone moves to a new namespace; no Catch assertion there.
    UniqueFd elsewhere;
    std::thread([&] {
      if (unshare(CLONE_NEWNET) != 0) return;
      UniqueFd fd(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
      const int one = 1;
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      if (fd && setsockopt(fd.get(), IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof one) == 0 &&
          bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
          listen(fd.get(), 4) == 0)
        elsewhere = std::move(fd);
    }).join();
    REQUIRE(elsewhere);
    CHECK(strict.take(std::move(elsewhere), 0).error ==
          "the socket attached is in another network namespace than sbd's own listening socket");
    UniqueFd here = listening(port);
    CHECK(strict.take(std::move(here), 0).port == port);
  }

  UniqueFd l = listening(port);
  const int raw = l.get();
  const ListenerResult r = h.take(std::move(l), 0);
  CHECK(r.error.empty());
  CHECK(r.port == port);
  CHECK(h.fd_of(port) == raw);
  // Held, no table line yet: listed without a path.
  const auto st = h.status();
  REQUIRE(st.size() == 1);
  CHECK(st[0] == socketbox::control::ListenerStatus{port, "", true, 0, ""});
  CHECK_FALSE(h.ticking());

  // A second socket for the same port replaces (closes) the first. (A
  // second bind of the port needs SO_REUSEPORT; a dup stands in for it.)
  UniqueFd again(fcntl(h.fd_of(port), F_DUPFD_CLOEXEC, 0));
  const int again_raw = again.get();
  CHECK(h.take(std::move(again), 0).port == port);
  CHECK(h.fd_of(port) == again_raw);
  CHECK_FALSE(is_open(raw));
  CHECK(h.held() == 1);
}

TEST_CASE("listener holder sends a line's socket at load, on a new file, and retries",
          "[listener_holder]") {
  NoFdStore no_store;
  TempDir dir;
  HandoffSender sender;
  ListenerHolder h(sender, false);
  std::uint16_t port = 0;
  UniqueFd l = listening(port);
  const int raw = l.get();
  REQUIRE(h.take(std::move(l), 0).error.empty());

  const std::string path = dir / "web.sock";
  {
    ReceiverSocket rx(path);
    REQUIRE(rx.fd);
    h.set_table({{port, path, {}}}, 1000);
    CHECK(h.ticking());
    const auto got = rx.receive();
    REQUIRE(got.nfds == 1);
    CHECK(got.bytes == 1);
    CHECK(same_socket(got.fd, raw));
    close(got.fd);
    CHECK(h.status()[0].delivered == 1);

    // Nothing changed: nothing sent, at load or tick.
    h.set_table({{port, path, {}}}, 2000);
    h.tick(2250);
    CHECK(rx.receive().bytes < 0);
    CHECK(h.status()[0].delivered == 1);
  }
  // The server went away: the file is gone, nothing to send to.
  unlink(path.c_str());
  h.tick(3000);
  CHECK(h.status()[0].delivered == 1);
  CHECK(h.status()[0].last_error.empty());
  {
    // Bound anew: the next tick sends again.
    ReceiverSocket rx(path);
    h.tick(3250);
    const auto got = rx.receive();
    REQUIRE(got.nfds == 1);
    CHECK(same_socket(got.fd, raw));
    close(got.fd);
    CHECK(h.status()[0].delivered == 2);
  }

  // A new (port, path) line fails while nobody is there, is retried at most
  // every second, and goes once the receiver is there.
  const std::string path2 = dir / "other.sock";
  h.set_table({{port, path2, {}}}, 10000);
  auto st = h.status();
  REQUIRE(st.size() == 1);
  CHECK(st[0].path == path2);
  CHECK(st[0].delivered == 0);
  CHECK(st[0].last_error == "No such file or directory");
  ReceiverSocket rx2(path2);
  h.tick(10250);  // within the second: not yet
  CHECK(rx2.receive().bytes < 0);
  h.tick(11000);
  const auto got = rx2.receive();
  REQUIRE(got.nfds == 1);
  close(got.fd);
  st = h.status();
  CHECK(st[0].delivered == 1);
  CHECK(st[0].last_error.empty());

  // A table without the line closes the socket.
  h.set_table({}, 12000);
  CHECK(h.held() == 0);
  CHECK_FALSE(is_open(raw));
  CHECK(h.status().empty());
  CHECK_FALSE(h.ticking());
}

TEST_CASE("a socket that arrives for a line already loaded is sent at once", "[listener_holder]") {
  NoFdStore no_store;
  TempDir dir;
  HandoffSender sender;
  ListenerHolder h(sender, false);
  const std::string path = dir / "s.sock";
  ReceiverSocket rx(path);
  std::uint16_t port = 0;
  UniqueFd l = listening(port);
  h.set_table({{port, path, {}}}, 0);  // not held yet: nothing sent, not an error
  CHECK(h.status()[0] == socketbox::control::ListenerStatus{port, path, false, 0, ""});
  CHECK_FALSE(h.ticking());
  CHECK(h.take(std::move(l), 100).port == port);
  const auto got = rx.receive();
  REQUIRE(got.nfds == 1);
  close(got.fd);
  CHECK(h.status()[0].delivered == 1);
  CHECK(h.ticking());
}

TEST_CASE("held sockets go to systemd's fd store under listener-PORT", "[listener_holder]") {
  TempDir dir;
  const std::string notify = dir / "notify";
  ReceiverSocket manager(notify);
  REQUIRE(manager.fd);
  ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
  HandoffSender sender;
  ListenerHolder h(sender, true);
  std::uint16_t port = 0;
  UniqueFd l = listening(port);
  const int raw = l.get();
  REQUIRE(h.take(std::move(l), 0).error.empty());
  auto stored = next_note(manager);
  REQUIRE(stored);
  CHECK(stored->text == "FDSTORE=1\nFDNAME=listener-" + std::to_string(port));
  REQUIRE(stored->fd);
  CHECK(same_socket(stored->fd.get(), raw));

  h.set_table({}, 0);  // dropped: removed from the store
  CHECK(notes(manager) ==
        std::vector<std::string>{"FDSTOREREMOVE=1\nFDNAME=listener-" + std::to_string(port)});
  ::unsetenv("NOTIFY_SOCKET");

  // What systemd gives back at start is held again, not stored twice.
  UniqueFd back = listening(port);
  CHECK(h.adopt(std::move(back), "listener-" + std::to_string(port)).empty());
  CHECK(h.held() == 1);
  UniqueFd bogus(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  CHECK_FALSE(h.adopt(std::move(bogus), "listener-1").empty());
  CHECK(h.held() == 1);
}

TEST_CASE("the fd store's name records where the socket went, so a restarted sbd does not resend",
          "[listener_holder]") {
  TempDir dir;
  const std::string notify = dir / "notify";
  ReceiverSocket manager(notify);
  REQUIRE(manager.fd);
  ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
  const std::string path = dir / "web.sock";
  ReceiverSocket rx(path);
  HandoffSender sender;
  std::uint16_t port = 0;
  UniqueFd l = listening(port);
  const std::string base = "listener-" + std::to_string(port);
  std::string sent_name;
  {
    ListenerHolder h(sender, true);
    h.set_table({{port, path, {}}}, 0);
    REQUIRE(h.take(std::move(l), 0).error.empty());
    const auto got = rx.receive();
    REQUIRE(got.nfds == 1);
    close(got.fd);
    const auto n = notes(manager);
    REQUIRE(n.size() == 3);
    CHECK(n[0] == "FDSTORE=1\nFDNAME=" + base);
    CHECK(n[1] == "FDSTOREREMOVE=1\nFDNAME=" + base);
    REQUIRE(n[2].rfind("FDSTORE=1\nFDNAME=" + base + ".d", 0) == 0);
    sent_name = n[2].substr(std::strlen("FDSTORE=1\nFDNAME="));
  }
  std::uint16_t again = 0;
  UniqueFd back = listening(again);  // stands for the socket systemd kept
  const std::string back_name = "listener-" + std::to_string(again) +
                                sent_name.substr(base.size());  // its record, on its port
  {
    // Restarted, the same file at the path: nothing is sent.
    ListenerHolder h(sender, true);
    h.hold_sends();
    CHECK(h.adopt(std::move(back), back_name).empty());
    h.set_table({{again, path, {}}}, 0);
    h.start_sending(0);
    h.tick(250);
    CHECK(rx.receive().bytes < 0);
    CHECK(h.status()[0].delivered == 0);
    CHECK(h.status()[0].last_error.empty());
    CHECK(notes(manager).empty());
    // The server restarts (its path bound anew): sent, and the record follows.
    // (Bound while the old socket lives, so the inode number cannot be
    // reused within the same coarse ctime tick.)
    unlink(path.c_str());
    ReceiverSocket rx2(path);
    rx.fd.reset();
    h.tick(500);
    const auto got = rx2.receive();
    REQUIRE(got.nfds == 1);
    close(got.fd);
    const auto n = notes(manager);
    REQUIRE(n.size() == 2);
    CHECK(n[0] == "FDSTOREREMOVE=1\nFDNAME=" + back_name);
    CHECK(n[1].rfind("FDSTORE=1\nFDNAME=listener-" + std::to_string(again) + ".d", 0) == 0);
    CHECK(n[1] != "FDSTORE=1\nFDNAME=" + back_name);
  }
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("sends wait for start_sending (sbd drops its privileges first)", "[listener_holder]") {
  NoFdStore no_store;
  TempDir dir;
  const std::string path = dir / "s.sock";
  ReceiverSocket rx(path);
  HandoffSender sender;
  ListenerHolder h(sender, false);
  h.hold_sends();
  std::uint16_t port = 0;
  REQUIRE(h.adopt(listening(port), "listener-0").empty());  // an old name: held by its port
  h.set_table({{port, path, {}}}, 0);
  h.tick(250);
  CHECK(rx.receive().bytes < 0);
  CHECK(h.status()[0].delivered == 0);
  h.start_sending(300);
  const auto got = rx.receive();
  REQUIRE(got.nfds == 1);
  close(got.fd);
  CHECK(h.status()[0].delivered == 1);
}
