// The hand-off's own cost, one process, no network: sbd's sendmsg of one
// descriptor to a receiver's socket, and the receiver's recvmsg of it, for
// each way sbd can send, and a receiver's whole take of a TCP connection
// through the receiver library. The end-to-end figures (bench/run) carry the
// accept and the scheduling as well; this isolates the hand-off.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "handoff.hpp"
#include "socketbox/receiver.h"
#include "socketbox/unique_fd.hpp"

namespace {

using socketbox::UniqueFd;
using socketbox::daemon::HandoffSender;

struct Receiver {
  std::string path;
  UniqueFd fd;
  Receiver() {
    char dir[] = "/tmp/sb-handoff-bench.XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    path = std::string(dir) + "/r.sock";
    fd.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path.c_str());
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) std::abort();
  }
  ~Receiver() {
    unlink(path.c_str());
    rmdir(path.substr(0, path.rfind('/')).c_str());
  }
  // Takes one datagram and closes the descriptor it carried.
  void take() const {
    char byte;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(fd.get(), &msg, MSG_CMSG_CLOEXEC) < 1) std::abort();
    int got;
    std::memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof got);
    close(got);
  }
};

template <bool Linked>
void BM_Handoff(benchmark::State& state) {
  Receiver r;
  HandoffSender s;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) std::abort();
  for (auto _ : state) {
    const int err = Linked ? s.send_to_target(0, r.path.c_str(), r.path.size(), sv[0])
                           : s.send_to_path(r.path.c_str(), r.path.size(), sv[0]);
    if (err) {
      state.SkipWithError(std::strerror(err));
      break;
    }
    r.take();
  }
  close(sv[0]);
  close(sv[1]);
}

// Before: every datagram names the receiver's path (resolved each time).
BENCHMARK(BM_Handoff<false>)->Name("BM_HandoffToPath");
// Now: the target's own socket, connected once.
BENCHMARK(BM_Handoff<true>)->Name("BM_HandoffLinked");

// A connected TCP socket over loopback, what sbd hands over.
UniqueFd tcp_connection(UniqueFd& client, UniqueFd& listener) {
  listener.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  client.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (bind(listener.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
      listen(listener.get(), 1) < 0 ||
      getsockname(listener.get(), reinterpret_cast<sockaddr*>(&sa), &len) < 0 ||
      connect(client.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
    std::abort();
  return UniqueFd(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

// sbd's send of a TCP connection, then what a server using the receiver
// library pays for it: sb_receiver_accept (receive, check the socket, give it
// accept4()'s flags) and the close.
void BM_HandoffReceived(benchmark::State& state) {
  char dir[] = "/tmp/sb-handoff-bench.XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  const std::string path = std::string(dir) + "/r.sock";
  sb_receiver* r = sb_receiver_open(path.c_str(), nullptr);
  if (!r) std::abort();
  UniqueFd client, listener;
  const UniqueFd conn = tcp_connection(client, listener);
  HandoffSender s;
  for (auto _ : state) {
    if (const int err = s.send_to_target(0, path.c_str(), path.size(), conn.get())) {
      state.SkipWithError(std::strerror(err));
      break;
    }
    const int got = sb_receiver_accept(r, SOCK_CLOEXEC);
    if (got < 0) {
      state.SkipWithError(std::strerror(errno));
      break;
    }
    close(got);
  }
  sb_receiver_close(r);
  unlink(path.c_str());
  rmdir(dir);
}
BENCHMARK(BM_HandoffReceived);

}  // namespace

BENCHMARK_MAIN();
