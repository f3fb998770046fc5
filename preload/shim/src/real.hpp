// The functions the preload wraps, as the next library (libc) defines them.
// Resolved with dlsym(RTLD_NEXT) at load and, if something calls us before
// our constructor ran, on first use.
#pragma once

#include <sys/socket.h>

namespace socketbox::preload::real {

void resolve_all() noexcept;

int bind(int fd, const sockaddr* addr, socklen_t len) noexcept;
int connect(int fd, const sockaddr* addr, socklen_t len) noexcept;
int listen(int fd, int backlog) noexcept;
int accept(int fd, sockaddr* addr, socklen_t* len) noexcept;
int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept;
int getsockname(int fd, sockaddr* addr, socklen_t* len) noexcept;
int getpeername(int fd, sockaddr* addr, socklen_t* len) noexcept;
int setsockopt(int fd, int level, int name, const void* val, socklen_t len) noexcept;
int getsockopt(int fd, int level, int name, void* val, socklen_t* len) noexcept;
ssize_t recv(int fd, void* buf, size_t len, int flags) noexcept;
ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr,
                 socklen_t* alen) noexcept;
int close(int fd) noexcept;
int dup2(int oldfd, int newfd) noexcept;
int dup3(int oldfd, int newfd, int flags) noexcept;
int close_range(unsigned first, unsigned last, int flags) noexcept;
void closefrom(int lowfd) noexcept;

}  // namespace socketbox::preload::real
