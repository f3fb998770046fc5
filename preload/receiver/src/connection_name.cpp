#include "connection_name.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace socketbox::receiver {
namespace {

constexpr char kPrefix[] = "socketbox/tcp/";
constexpr size_t kPrefixLen = sizeof kPrefix - 1;

unsigned long long nonce() noexcept {
  static std::atomic<unsigned long long> counter{0};
  unsigned long long v = 0;
  int saved = errno;
  if (::getrandom(&v, sizeof v, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof v)) {
    // No entropy yet: unique enough within one namespace.
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    v = (static_cast<unsigned long long>(::getpid()) << 40) ^
        static_cast<unsigned long long>(ts.tv_nsec) ^ (counter.fetch_add(1) << 20);
  }
  errno = saved;
  return v;
}

}  // namespace

socklen_t make_connection_name(const sockaddr* inet, sockaddr_un& out) noexcept {
  std::memset(&out, 0, sizeof out);
  out.sun_family = AF_UNIX;
  char host[INET6_ADDRSTRLEN];
  unsigned port = 0;
  if (inet->sa_family == AF_INET6) {
    auto* a6 = reinterpret_cast<const sockaddr_in6*>(inet);
    inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
    port = ntohs(a6->sin6_port);
  } else if (inet->sa_family == AF_INET) {
    auto* a4 = reinterpret_cast<const sockaddr_in*>(inet);
    inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
    port = ntohs(a4->sin_port);
  } else {
    errno = EAFNOSUPPORT;
    return 0;
  }
  // Abstract: sun_path[0] stays NUL; the name is not NUL-terminated.
  int n = std::snprintf(out.sun_path + 1, sizeof out.sun_path - 1, "%s%s/%u/%016llx", kPrefix, host,
                        port, nonce());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + static_cast<size_t>(n));
}

bool parse_connection_name(const sockaddr* name, socklen_t name_len, sockaddr_storage& out,
                           socklen_t& out_len) noexcept {
  constexpr size_t kBase = offsetof(sockaddr_un, sun_path) + 1;
  if (name == nullptr || name->sa_family != AF_UNIX || name_len <= kBase + kPrefixLen) return false;
  auto* un = reinterpret_cast<const sockaddr_un*>(name);
  size_t n = name_len - kBase;
  if (n > sizeof un->sun_path - 1) n = sizeof un->sun_path - 1;
  const char* p = un->sun_path + 1;
  if (un->sun_path[0] != '\0' || std::memcmp(p, kPrefix, kPrefixLen) != 0) return false;
  p += kPrefixLen;
  n -= kPrefixLen;
  const char* slash = static_cast<const char*>(std::memchr(p, '/', n));
  if (slash == nullptr || slash == p || slash - p >= INET6_ADDRSTRLEN) return false;
  char host[INET6_ADDRSTRLEN];
  std::memcpy(host, p, static_cast<size_t>(slash - p));
  host[slash - p] = '\0';
  n -= static_cast<size_t>(slash - p) + 1;
  p = slash + 1;
  unsigned port = 0;
  size_t digits = 0;
  while (digits < n && digits < 6 && p[digits] >= '0' && p[digits] <= '9')
    port = port * 10 + static_cast<unsigned>(p[digits++] - '0');
  if (digits == 0 || digits == 6 || port > 65535 || digits == n || p[digits] != '/') return false;

  sockaddr_storage tmp{};
  socklen_t tmp_len = 0;
  if (std::strchr(host, ':') != nullptr) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&tmp);
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) return false;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    tmp_len = sizeof(sockaddr_in6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&tmp);
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return false;
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    tmp_len = sizeof(sockaddr_in);
  }
  out = tmp;
  out_len = tmp_len;
  return true;
}

void to_v6(sockaddr_storage& a, socklen_t& len) noexcept {
  if (a.ss_family != AF_INET) return;
  sockaddr_in a4;
  std::memcpy(&a4, &a, sizeof a4);
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = a4.sin_port;
  a6.sin6_addr.s6_addr[10] = a6.sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&a6.sin6_addr.s6_addr[12], &a4.sin_addr, 4);
  a = sockaddr_storage{};
  std::memcpy(&a, &a6, sizeof a6);
  len = sizeof a6;
}

namespace {

void to_v4(sockaddr_storage& a, socklen_t& len) noexcept {
  if (a.ss_family != AF_INET6) return;
  sockaddr_in6 a6;
  std::memcpy(&a6, &a, sizeof a6);
  if (!IN6_IS_ADDR_V4MAPPED(&a6.sin6_addr)) return;
  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = a6.sin6_port;
  std::memcpy(&a4.sin_addr, &a6.sin6_addr.s6_addr[12], 4);
  a = sockaddr_storage{};
  std::memcpy(&a, &a4, sizeof a4);
  len = sizeof a4;
}

bool name_of(int fd, bool peer, sockaddr_storage& out, socklen_t& out_len) noexcept {
  sockaddr_storage raw{};
  socklen_t raw_len = sizeof raw;
  if (::syscall(peer ? SYS_getpeername : SYS_getsockname, fd, &raw, &raw_len) != 0) return false;
  return parse_connection_name(reinterpret_cast<sockaddr*>(&raw), raw_len, out, out_len);
}

}  // namespace

bool connection_address(int fd, bool peer, sockaddr_storage& out, socklen_t& out_len) noexcept {
  int saved = errno;
  sockaddr_storage own;
  socklen_t own_len = 0;
  bool ok = name_of(fd, false, own, own_len) && (!peer || name_of(fd, true, out, out_len));
  errno = saved;
  if (!ok) return false;
  if (!peer) {
    out = own;
    out_len = own_len;
  } else if (own.ss_family == AF_INET6) {
    to_v6(out, out_len);
  } else {
    to_v4(out, out_len);
  }
  return true;
}

}  // namespace socketbox::receiver
