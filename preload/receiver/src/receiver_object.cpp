// sb_receiver: a receiving socket plus a queue of received sockets. It reads
// up to kBatch datagrams per recvmmsg(2), so a busy server pays one system
// call per batch of connections instead of one per connection.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "receive_datagram.hpp"
#include "socketbox/receiver.h"

namespace {

constexpr unsigned kBatch = SB_RECV_BATCH;  // datagrams per recvmmsg
constexpr size_t kQueue = kBatch * SB_RECV_MAX_FDS;

}  // namespace

struct sb_receiver {
  int fd;
  sb_recv_filter filter;
  sb_recv_stats stats;
  int queue[kQueue];
  size_t head;  // next to hand out
  size_t count;
  bool keep_listeners;  // sb_receiver_keep_listeners
  int listener;         // a listening socket kept for sb_receiver_take_listener, or -1
  // The receive buffers, here rather than on the stack (about 5 KB).
  socketbox::receiver::Datagram datagrams[kBatch];
  mmsghdr msgs[kBatch];
};

namespace {

// Reads what is waiting, up to kBatch datagrams, into the (empty) queue:
// waits for the first one if the socket blocks, never for more. Returns the
// datagrams read (their sockets may all have been rejected), or -1 with errno.
int refill(sb_receiver* r) noexcept {
  for (unsigned i = 0; i < kBatch; ++i) {
    r->msgs[i].msg_hdr = r->datagrams[i].header(SB_RECV_MAX_FDS);
    r->msgs[i].msg_len = 0;
  }
  const int n = recvmmsg(r->fd, r->msgs, kBatch, MSG_WAITFORONE | MSG_CMSG_CLOEXEC, nullptr);
  if (n <= 0) return n < 0 ? -1 : 0;
  r->head = 0;
  for (int i = 0; i < n; ++i)
    r->count += static_cast<size_t>(socketbox::receiver::take_datagram(
        r->msgs[i].msg_hdr, r->msgs[i].msg_len, r->queue + r->count, SB_RECV_MAX_FDS, &r->filter,
        &r->stats, socketbox::receiver::Want::connection,
        r->keep_listeners ? &r->listener : nullptr));
  return n;
}

int pop(sb_receiver* r) noexcept {
  const int fd = r->queue[r->head++];
  --r->count;
  return fd;
}

void close_keeping_errno(int fd) noexcept {
  const int saved = errno;
  ::close(fd);
  errno = saved;
}

}  // namespace

extern "C" sb_receiver* sb_receiver_open(const char* path, const sb_receiver_options* opts) {
  sb_receiver_options o{};
  if (opts != nullptr) o = *opts;
  // calloc, not new: the library needs no C++ runtime in C servers.
  auto* r = static_cast<sb_receiver*>(std::calloc(1, sizeof(sb_receiver)));
  if (r == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  int flags = SB_BIND_CLOEXEC;
  if (o.nonblock) flags |= SB_BIND_NONBLOCK;
  if (o.require_uid) flags |= SB_BIND_PASSCRED;
  r->fd = sb_bind_receiver(path, flags);
  if (r->fd < 0) {
    int saved = errno;
    std::free(r);
    errno = saved;
    return nullptr;
  }
  r->listener = -1;
  r->filter.check_uid = o.require_uid;
  r->filter.uid = o.uid;
  return r;
}

extern "C" int sb_receiver_fd(const sb_receiver* r) { return r ? r->fd : -1; }

extern "C" size_t sb_receiver_pending(const sb_receiver* r) { return r ? r->count : 0; }

extern "C" const sb_recv_stats* sb_receiver_stats(const sb_receiver* r) {
  return r ? &r->stats : nullptr;
}

extern "C" int sb_receiver_accept(sb_receiver* r, int flags) {
  if (r == nullptr) {
    errno = EINVAL;
    return -1;
  }
  while (r->count == 0) {
    // Everything in a batch may have been rejected: then wait for the next.
    if (refill(r) < 0) return -1;
  }
  const int fd = pop(r);
  if (socketbox::receiver::apply_received_flags(fd, flags) != 0) {
    close_keeping_errno(fd);
    return -1;
  }
  return fd;
}

extern "C" int sb_receiver_accept_batch(sb_receiver* r, int* fds, int max, int flags) {
  if (r == nullptr || fds == nullptr || max < 1) {
    errno = EINVAL;
    return -1;
  }
  if (r->count == 0 && refill(r) < 0) return -1;
  int n = 0;
  while (n < max && r->count > 0) {
    const int fd = pop(r);
    if (socketbox::receiver::apply_received_flags(fd, flags) == 0)
      fds[n++] = fd;
    else
      close_keeping_errno(fd);
  }
  return n;
}

extern "C" int sb_receiver_keep_listeners(sb_receiver* r, int keep) {
  if (r == nullptr) {
    errno = EINVAL;
    return -1;
  }
  r->keep_listeners = keep != 0;
  return 0;
}

extern "C" int sb_receiver_take_listener(sb_receiver* r, int flags) {
  if (r == nullptr) {
    errno = EINVAL;
    return -1;
  }
  if (r->listener < 0) {
    errno = EAGAIN;
    return -1;
  }
  const int fd = std::exchange(r->listener, -1);
  if (socketbox::receiver::apply_received_flags(fd, flags) != 0) {
    close_keeping_errno(fd);
    return -1;
  }
  return fd;
}

extern "C" void sb_receiver_close(sb_receiver* r) {
  if (r == nullptr) return;
  int saved = errno;
  for (size_t i = 0; i < r->count; ++i) ::close(r->queue[r->head + i]);
  if (r->listener >= 0) ::close(r->listener);
  if (r->fd >= 0) ::close(r->fd);
  std::free(r);
  errno = saved;
}
