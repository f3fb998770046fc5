// sb-bench-server: the server side of the dispatch benchmark. Answers each
// connection with "ok\n" and closes it, either as a direct transparent
// listener (the kernel's own cost, the baseline), as a receiver of sockets
// handed over by sbd, or as a Unix listener behind nginx or HAProxy. Every
// mode does the same work per connection, so the ratio of their rates is what
// the path in front of it adds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>

#include "socketbox/receiver.h"

namespace {

void answer(int fd) {
  static const char kReply[] = "ok\n";
  (void)!write(fd, kReply, sizeof kReply - 1);
  close(fd);
}

// Says "ready" (the harness waits for it), then answers every connection
// accepted on the listening socket s.
[[noreturn]] int answer_forever(int s) {
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) {
    const int c = accept4(s, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0) answer(c);
  }
}

int serve_direct(unsigned port) {
  const int s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (setsockopt(s, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one) != 0) {
    std::perror("sb-bench-server: IPV6_TRANSPARENT");
    return 1;
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa.sin6_addr);
  if (bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(s, 4096) != 0) {
    std::perror("sb-bench-server: bind/listen");
    return 1;
  }
  return answer_forever(s);
}

// A plain Unix stream listener: what nginx and HAProxy connect to in the
// benchmark harness, so that every path ends at the same program in the same
// isolated namespace.
int serve_unix(const std::string& path) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) {
    std::fprintf(stderr, "sb-bench-server: %s: path too long\n", path.c_str());
    return 1;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(path.c_str());
  if (bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(s, 4096) != 0) {
    std::perror("sb-bench-server: bind/listen");
    return 1;
  }
  return answer_forever(s);
}

int serve_received(const std::string& path) {
  sb_receiver* r = sb_receiver_open(path.c_str(), nullptr);
  if (!r) {
    std::perror(("sb-bench-server: " + path).c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;) {
    const int c = sb_receiver_accept(r, SOCK_CLOEXEC);
    if (c >= 0) answer(c);
  }
}

// Listener hand-off: takes the listening socket sbd sends to `path` once,
// then accepts from it natively, as a server under sb-preload --listener does.
int serve_received_listener(const std::string& path) {
  const int r = sb_bind_receiver(path.c_str(), SB_BIND_CLOEXEC);
  if (r < 0) {
    std::perror(("sb-bench-server: " + path).c_str());
    return 1;
  }
  const int s = sb_recv_listener(r, 60000, SOCK_CLOEXEC);
  if (s < 0) {
    std::perror(("sb-bench-server: no listening socket at " + path).c_str());
    return 1;
  }
  return answer_forever(s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"answer 'ok' to each connection: directly, or as an sbd receiver"};
  unsigned port = 0;
  std::string path;
  auto* direct = app.add_option("--listen-transparent", port, "listen on [::ffff:127.0.0.1]:PORT")
                     ->check(CLI::Range(1u, 65535u));
  auto* receive = app.add_option("--receive", path, "receive sockets at this Unix socket path")
                      ->excludes(direct);
  std::string unix_path;
  app.add_option("--listen-unix", unix_path, "accept connections on this Unix stream socket")
      ->excludes(direct)
      ->excludes(receive);
  std::string listener_path;
  app.add_option("--receive-listener", listener_path,
                 "receive one listening socket at this Unix socket path and accept from it")
      ->excludes(direct)
      ->excludes(receive);
  CLI11_PARSE(app, argc, argv);
  if (port) return serve_direct(port);
  if (!listener_path.empty()) return serve_received_listener(listener_path);
  if (!path.empty()) return serve_received(path);
  if (!unix_path.empty()) return serve_unix(unix_path);
  std::fprintf(stderr,
               "sb-bench-server: give --listen-transparent PORT, --receive PATH, "
               "--receive-listener PATH or --listen-unix PATH\n");
  return 2;
}
