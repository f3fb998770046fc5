#include "real.hpp"

#include <dlfcn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace socketbox::preload::real {
namespace {

// One lazily resolved pointer per wrapped function. A missing symbol (an old
// libc without close_range) makes the call fail with ENOSYS, never crash.
template <typename Fn>
struct Next {
  const char* name;
  std::atomic<Fn> fn{nullptr};
  Fn get() noexcept {
    Fn f = fn.load(std::memory_order_acquire);
    if (f == nullptr) {
      f = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
      fn.store(f, std::memory_order_release);
    }
    return f;
  }
};

Next<int (*)(int, const sockaddr*, socklen_t)> g_bind{"bind"};
Next<int (*)(int, const sockaddr*, socklen_t)> g_connect{"connect"};
Next<int (*)(int, int)> g_listen{"listen"};
Next<int (*)(int, sockaddr*, socklen_t*)> g_accept{"accept"};
Next<int (*)(int, sockaddr*, socklen_t*, int)> g_accept4{"accept4"};
Next<int (*)(int, sockaddr*, socklen_t*)> g_getsockname{"getsockname"};
Next<int (*)(int, sockaddr*, socklen_t*)> g_getpeername{"getpeername"};
Next<int (*)(int, int, int, const void*, socklen_t)> g_setsockopt{"setsockopt"};
Next<int (*)(int, int, int, void*, socklen_t*)> g_getsockopt{"getsockopt"};
Next<ssize_t (*)(int, void*, size_t, int)> g_recv{"recv"};
Next<ssize_t (*)(int, void*, size_t, int, sockaddr*, socklen_t*)> g_recvfrom{"recvfrom"};
Next<int (*)(int)> g_close{"close"};
Next<int (*)(int, int)> g_dup2{"dup2"};
Next<int (*)(int, int, int)> g_dup3{"dup3"};
Next<int (*)(unsigned, unsigned, int)> g_close_range{"close_range"};
Next<void (*)(int)> g_closefrom{"closefrom"};

int no_symbol() noexcept {
  errno = ENOSYS;
  return -1;
}

}  // namespace

void resolve_all() noexcept {
  g_bind.get(), g_listen.get(), g_accept.get(), g_accept4.get(), g_getsockname.get(),
      g_getpeername.get();
  g_setsockopt.get(), g_getsockopt.get(), g_close.get(), g_dup2.get(), g_dup3.get(),
      g_close_range.get();
  g_closefrom.get(), g_recv.get(), g_recvfrom.get(), g_connect.get();
}

#define SB_FORWARD(var, ...) \
  auto f = var.get();        \
  return f ? f(__VA_ARGS__) : no_symbol()

int bind(int fd, const sockaddr* addr, socklen_t len) noexcept {
  SB_FORWARD(g_bind, fd, addr, len);
}
int connect(int fd, const sockaddr* addr, socklen_t len) noexcept {
  SB_FORWARD(g_connect, fd, addr, len);
}
int listen(int fd, int backlog) noexcept { SB_FORWARD(g_listen, fd, backlog); }
int accept(int fd, sockaddr* addr, socklen_t* len) noexcept { SB_FORWARD(g_accept, fd, addr, len); }
int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept {
  SB_FORWARD(g_accept4, fd, addr, len, flags);
}
int getsockname(int fd, sockaddr* addr, socklen_t* len) noexcept {
  SB_FORWARD(g_getsockname, fd, addr, len);
}
int getpeername(int fd, sockaddr* addr, socklen_t* len) noexcept {
  SB_FORWARD(g_getpeername, fd, addr, len);
}
int setsockopt(int fd, int level, int name, const void* val, socklen_t len) noexcept {
  SB_FORWARD(g_setsockopt, fd, level, name, val, len);
}
int getsockopt(int fd, int level, int name, void* val, socklen_t* len) noexcept {
  SB_FORWARD(g_getsockopt, fd, level, name, val, len);
}
ssize_t recv(int fd, void* buf, size_t len, int flags) noexcept {
  auto f = g_recv.get();
  return f ? f(fd, buf, len, flags) : no_symbol();
}
ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr,
                 socklen_t* alen) noexcept {
  auto f = g_recvfrom.get();
  return f ? f(fd, buf, len, flags, addr, alen) : no_symbol();
}
int close(int fd) noexcept {
  auto f = g_close.get();
  return f ? f(fd) : static_cast<int>(::syscall(SYS_close, fd));
}
int dup2(int oldfd, int newfd) noexcept { SB_FORWARD(g_dup2, oldfd, newfd); }
int dup3(int oldfd, int newfd, int flags) noexcept { SB_FORWARD(g_dup3, oldfd, newfd, flags); }
int close_range(unsigned first, unsigned last, int flags) noexcept {
  SB_FORWARD(g_close_range, first, last, flags);
}
void closefrom(int lowfd) noexcept {
  auto f = g_closefrom.get();
  if (f) f(lowfd);
}

}  // namespace socketbox::preload::real
