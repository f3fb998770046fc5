// sb-test-receiver PATH NAME [--hold]: a fast test receiver for
// load and soak tests (receiver.py speaks the same protocol but is too slow
// for a million connections). Binds a Unix datagram socket at PATH, takes
// each connected socket from sbd (SCM_RIGHTS), writes "box=NAME\n" and
// closes it. With --hold it keeps every socket open instead, and answers
// nothing: a slow server holding its clients.
// SIGUSR1 prints "held=N received=M" to stdout.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_report = 0;

void on_usr1(int) { g_report = 1; }

// One datagram; returns the first passed descriptor (extra ones are closed),
// -1 for a datagram without one, -2 on a receive error other than EINTR.
int receive_one(int sock) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) return errno == EINTR ? -1 : -2;
  int first = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (first < 0)
        first = fd;
      else
        close(fd);
    }
  }
  return first;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sb-test-receiver PATH NAME [--hold]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::string line = "box=" + std::string(argv[2]) + "\n";
  const bool hold = argc > 3 && std::strcmp(argv[3], "--hold") == 0;

  struct sigaction sa {};
  sa.sa_handler = on_usr1;  // no SA_RESTART: recvmsg returns EINTR to report
  sigaction(SIGUSR1, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock < 0 || path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "sb-test-receiver: cannot create a socket for %s\n", path.c_str());
    return 1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  unlink(path.c_str());
  if (bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      chmod(path.c_str(), 0660) < 0) {
    std::fprintf(stderr, "sb-test-receiver: cannot bind %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::printf("receiver %s listening on %s\n", argv[2], path.c_str());
  std::fflush(stdout);

  std::vector<int> held;
  unsigned long received = 0;
  for (;;) {
    if (g_report) {
      g_report = 0;
      std::printf("held=%zu received=%lu\n", held.size(), received);
      std::fflush(stdout);
    }
    const int fd = receive_one(sock);
    if (fd == -2) {
      std::fprintf(stderr, "sb-test-receiver: recvmsg: %s\n", std::strerror(errno));
      return 1;
    }
    if (fd < 0) continue;
    ++received;
    if (hold) {
      held.push_back(fd);
      continue;
    }
    [[maybe_unused]] ssize_t w = send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
  }
}
