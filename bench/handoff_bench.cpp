// The hand-off's own cost, one process, no network: sbd's sendmsg of one
// descriptor to a receiver's socket, and the receiver's recvmsg of it, for
// each way sbd can send. The end-to-end figures (bench/run) carry the
// accept and the scheduling as well; this isolates the send.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "handoff.hpp"
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

}  // namespace

BENCHMARK_MAIN();
