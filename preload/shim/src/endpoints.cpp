#include "endpoints.hpp"

#include <pthread.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "real.hpp"
#include "socketbox/preload/map_spec.hpp"

namespace socketbox::preload {
namespace {

struct Slot {
  std::atomic<int> fd{-1};  // -1: free
  int map = -1;
  bool listening = false;
  int queue[kQueueCapacity];
  int head = 0;
  int count = 0;
  int requeue = -1;
  dev_t requeue_dev = 0;
  ino_t requeue_ino = 0;
  unsigned char token[kTokenSize] = {};
};

Slot g_slots[kMaxEndpoints];

// A listener mapping's receiving socket, out of the server's sight.
struct Hidden {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
};
Hidden g_hidden[kMaxMaps];
std::atomic<int> g_used{0};  // slots ever taken: bounds the scan
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

struct Lock {
  Lock() noexcept { pthread_mutex_lock(&g_lock); }
  ~Lock() { pthread_mutex_unlock(&g_lock); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
};

Slot* find(int fd) noexcept {
  if (fd < 0) return nullptr;
  int used = g_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i)
    if (g_slots[i].fd.load(std::memory_order_acquire) == fd) return &g_slots[i];
  return nullptr;
}

// The requeue socket if fd still is it (the server may have closed it).
bool still_ours(int fd, dev_t dev, ino_t ino) noexcept {
  if (fd < 0) return false;
  int saved = errno;
  struct stat st {};
  bool same = ::fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
  errno = saved;
  return same;
}

bool requeue_valid(const Slot& s) noexcept {
  return still_ours(s.requeue, s.requeue_dev, s.requeue_ino);
}

// Under g_lock.
void close_hidden_locked(Hidden& h) noexcept {
  if (still_ours(h.fd, h.dev, h.ino)) {
    int saved = errno;
    real::close(h.fd);
    errno = saved;
  }
  h = Hidden{};
}

void clear(Slot& s) noexcept {
  int saved = errno;
  for (int i = 0; i < s.count; ++i) real::close(s.queue[(s.head + i) % kQueueCapacity]);
  if (requeue_valid(s)) real::close(s.requeue);
  s.requeue = -1;
  errno = saved;
  s.head = s.count = 0;
  s.map = -1;
  s.listening = false;
  s.fd.store(-1, std::memory_order_release);
}

void make_token(unsigned char (&token)[kTokenSize]) noexcept {
  int saved = errno;
  if (::getrandom(token, sizeof token, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof token)) {
    // No entropy yet (early boot): weaker, but still unknown to other users.
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long mix[2] = {
        static_cast<unsigned long>(ts.tv_nsec) ^ (static_cast<unsigned long>(::getpid()) << 32),
        static_cast<unsigned long>(ts.tv_sec) ^ reinterpret_cast<unsigned long>(&ts)};
    std::memcpy(token, mix, sizeof token);
  }
  errno = saved;
}

void before_fork() { pthread_mutex_lock(&g_lock); }
void after_fork() { pthread_mutex_unlock(&g_lock); }

}  // namespace

void install_fork_handlers() noexcept {
  // If registration fails (ENOMEM) we merely lose the fork guarantee.
  pthread_atfork(before_fork, after_fork, after_fork);
}

bool is_endpoint(int fd) noexcept { return find(fd) != nullptr; }

bool endpoint_info(int fd, EndpointInfo& out) noexcept {
  if (find(fd) == nullptr) return false;  // the common case, without the lock
  Lock lock;
  Slot* s = find(fd);
  if (s == nullptr) return false;
  out.map = s->map;
  out.listening = s->listening;
  return true;
}

bool add_endpoint(int fd, int map, bool listening) noexcept {
  Lock lock;
  if (Slot* old = find(fd)) clear(*old);
  for (int i = 0; i < kMaxEndpoints; ++i) {
    Slot& s = g_slots[i];
    if (s.fd.load(std::memory_order_relaxed) != -1) continue;
    s.map = map;
    s.listening = listening;
    s.head = s.count = 0;
    s.requeue = -1;
    make_token(s.token);
    s.fd.store(fd, std::memory_order_release);
    if (g_used.load(std::memory_order_relaxed) <= i) g_used.store(i + 1, std::memory_order_release);
    return true;
  }
  return false;
}

void set_listening(int fd) noexcept {
  Lock lock;
  if (Slot* s = find(fd)) s->listening = true;
}

int pop_queued(int fd) noexcept {
  Lock lock;
  Slot* s = find(fd);
  if (s == nullptr || s->count == 0) return -1;
  int conn = s->queue[s->head];
  s->head = (s->head + 1) % kQueueCapacity;
  --s->count;
  return conn;
}

bool push_queued(int fd, int conn) noexcept {
  Lock lock;
  Slot* s = find(fd);
  if (s == nullptr || s->count == kQueueCapacity) return false;
  s->queue[(s->head + s->count) % kQueueCapacity] = conn;
  ++s->count;
  return true;
}

bool endpoint_token(int fd, unsigned char (&out)[kTokenSize]) noexcept {
  Lock lock;
  Slot* s = find(fd);
  if (s == nullptr) return false;
  std::memcpy(out, s->token, sizeof out);
  return true;
}

int requeue_socket(int fd) noexcept {
  Lock lock;
  Slot* s = find(fd);
  if (s == nullptr || !requeue_valid(*s)) return -1;
  return s->requeue;
}

bool set_requeue_socket(int fd, int sock) noexcept {
  int saved = errno;
  struct stat st {};
  bool ok = ::fstat(sock, &st) == 0;
  if (ok) {
    Lock lock;
    Slot* s = find(fd);
    ok = s != nullptr && !requeue_valid(*s);
    if (ok) {
      s->requeue = sock;
      s->requeue_dev = st.st_dev;
      s->requeue_ino = st.st_ino;
    }
  }
  if (!ok) real::close(sock);
  errno = saved;
  return ok;
}

void forget_endpoint(int fd) noexcept {
  if (!is_endpoint(fd)) return;
  Lock lock;
  if (Slot* s = find(fd)) clear(*s);
}

void forget_range(unsigned first, unsigned last) noexcept {
  int used = g_used.load(std::memory_order_acquire);
  if (used == 0) return;
  Lock lock;
  for (int i = 0; i < used; ++i) {
    int fd = g_slots[i].fd.load(std::memory_order_relaxed);
    if (fd >= 0 && static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last)
      clear(g_slots[i]);
  }
}

void keep_hidden_receiver(int map, int sock) noexcept {
  if (map < 0 || map >= kMaxMaps) {
    real::close(sock);
    return;
  }
  int saved = errno;
  struct stat st {};
  bool ok = ::fstat(sock, &st) == 0;
  errno = saved;
  Lock lock;
  close_hidden_locked(g_hidden[map]);
  if (!ok) {
    real::close(sock);
    errno = saved;
    return;
  }
  g_hidden[map] = Hidden{sock, st.st_dev, st.st_ino};
}

void close_hidden_receiver(int map) noexcept {
  if (map < 0 || map >= kMaxMaps) return;
  Lock lock;
  close_hidden_locked(g_hidden[map]);
}

}  // namespace socketbox::preload
