// libFuzzer harness for the receiving side of the hand-off (sb_recv_fds):
// the fuzzer's bytes choose a datagram - payload, SCM_RIGHTS messages with
// descriptors of every kind (pipes, files, UDP and listening sockets,
// connected stream sockets, too many of them), forged SCM_CREDENTIALS, the
// receiver's uid filter and token, its fd limit - which is sent over a real
// AF_UNIX datagram socketpair. sb_recv_fds must return only connected
// stream sockets, at most `max`, and close everything else: the process's
// descriptor count is the same after every input.
#include <dirent.h>
#include <fcntl.h>
#include <fuzzer/FuzzedDataProvider.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "socketbox/receiver.h"

namespace {

int count_fds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (!d) __builtin_trap();
  while (readdir(d)) ++n;
  closedir(d);
  return n;
}

// One descriptor of a fuzzer-chosen kind; also returns its peer (or -1) so
// the caller can close it.
int make_fd(std::uint8_t kind, int& peer) {
  peer = -1;
  int p[2];
  switch (kind % 7) {
    case 0:
      if (pipe2(p, O_CLOEXEC) < 0) return -1;
      peer = p[1];
      return p[0];
    case 1:
      return open("/dev/null", O_RDONLY | O_CLOEXEC);
    case 2:
      return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    case 3: {  // listening TCP: a stream socket, but not a connection
      const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (s >= 0 &&
          (bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(s, 1) < 0)) {
        close(s);
        return -1;
      }
      return s;
    }
    case 4:  // a connected stream socket: the only acceptable kind
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0) return -1;
      peer = p[1];
      return p[0];
    case 5:
      return eventfd(0, EFD_CLOEXEC);
    default:  // an unconnected stream socket
      return socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int baseline = count_fds();
  FuzzedDataProvider in(data, size);
  std::vector<int> ours;  // everything this input opened on the sending side

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) __builtin_trap();
  const int rx = pair[0], tx = pair[1];
  if (in.ConsumeBool()) {
    const int one = 1;
    setsockopt(rx, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  }

  // The datagram: payload, then up to 4 control messages.
  const std::vector<std::uint8_t> payload =
      in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<int>(0, 80));
  std::vector<std::uint8_t> control;
  const int nmsg = in.ConsumeIntegralInRange<int>(0, 4);
  for (int m = 0; m < nmsg; ++m) {
    if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {  // credentials, maybe forged
      ucred c{getpid(), getuid(), getgid()};
      if (in.ConsumeBool()) c.uid = in.ConsumeIntegral<std::uint32_t>();
      const std::size_t off = control.size();
      control.resize(off + CMSG_SPACE(sizeof c));
      cmsghdr* h = reinterpret_cast<cmsghdr*>(control.data() + off);
      h->cmsg_len = CMSG_LEN(sizeof c);
      h->cmsg_level = SOL_SOCKET;
      h->cmsg_type = SCM_CREDENTIALS;
      std::memcpy(CMSG_DATA(h), &c, sizeof c);
      continue;
    }
    const int nfd = in.ConsumeIntegralInRange<int>(0, 100);  // SB_RECV_MAX_FDS is 64
    std::vector<int> fds;
    for (int i = 0; i < nfd; ++i) {
      int peer;
      const int fd = make_fd(in.ConsumeIntegral<std::uint8_t>(), peer);
      if (peer >= 0) ours.push_back(peer);
      if (fd < 0) continue;
      ours.push_back(fd);
      fds.push_back(fd);
    }
    const std::size_t off = control.size();
    control.resize(off + CMSG_SPACE(sizeof(int) * fds.size()));
    cmsghdr* h = reinterpret_cast<cmsghdr*>(control.data() + off);
    h->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    if (!fds.empty()) std::memcpy(CMSG_DATA(h), fds.data(), sizeof(int) * fds.size());
  }
  iovec iov{const_cast<std::uint8_t*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.empty() ? nullptr : control.data();
  msg.msg_controllen = control.size();
  const bool sent = sendmsg(tx, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;

  // The receiver: its filter and limit.
  sb_recv_filter filter{};
  filter.check_uid = in.ConsumeBool();
  filter.uid = in.ConsumeBool() ? getuid() : in.ConsumeIntegral<std::uint32_t>();
  const std::vector<std::uint8_t> token =
      in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<int>(0, 16));
  filter.token = token.data();
  filter.token_len = token.size();
  const int max = in.ConsumeIntegralInRange<int>(-1, SB_RECV_MAX_FDS + 1);
  int got[SB_RECV_MAX_FDS + 2];
  sb_recv_stats stats{};
  const int n = sb_recv_fds(rx, got, max, in.ConsumeBool() ? &filter : nullptr, &stats);
  if (n > 0 && n > max) __builtin_trap();
  if (n < 0 && sent && max >= 1 && max <= SB_RECV_MAX_FDS)
    __builtin_trap();  // a datagram was waiting
  for (int i = 0; i < n; ++i) {
    if (!sb_is_acceptable_socket(got[i])) __builtin_trap();
    if (!(fcntl(got[i], F_GETFD) & FD_CLOEXEC)) __builtin_trap();
    close(got[i]);
  }
  if (n >= 0 && stats.received != static_cast<unsigned long>(n)) __builtin_trap();

  for (int fd : ours) close(fd);
  close(rx);  // discards a datagram left unread (and the fds in it)
  close(tx);
  if (count_fds() != baseline) __builtin_trap();  // something leaked
  return 0;
}
