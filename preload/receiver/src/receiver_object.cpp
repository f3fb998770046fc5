// sb_receiver: a receiving socket plus a queue for the extra sockets of
// datagrams that carry more than one.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "socketbox/receiver.h"

struct sb_receiver {
  int fd;
  sb_recv_filter filter;
  sb_recv_stats stats;
  int queue[SB_RECV_MAX_FDS];
  size_t head;  // next to hand out
  size_t count;
};

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
  int fd = -1;
  if (r->count > 0) {
    fd = r->queue[r->head];
    r->head = (r->head + 1) % SB_RECV_MAX_FDS;
    --r->count;
  } else {
    // The queue is empty, so a whole datagram's worth always fits in it.
    int fds[SB_RECV_MAX_FDS];
    int n;
    do {
      n = sb_recv_fds(r->fd, fds, SB_RECV_MAX_FDS, &r->filter, &r->stats);
    } while (n == 0);  // everything in it was rejected: wait for the next
    if (n < 0) return -1;
    fd = fds[0];
    for (int i = 1; i < n; ++i) {
      r->queue[(r->head + r->count) % SB_RECV_MAX_FDS] = fds[i];
      ++r->count;
    }
  }
  if (sb_apply_accept_flags(fd, flags) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

extern "C" void sb_receiver_close(sb_receiver* r) {
  if (r == nullptr) return;
  int saved = errno;
  for (size_t i = 0; i < r->count; ++i) ::close(r->queue[(r->head + i) % SB_RECV_MAX_FDS]);
  if (r->fd >= 0) ::close(r->fd);
  std::free(r);
  errno = saved;
}
