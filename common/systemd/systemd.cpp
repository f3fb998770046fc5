#include "socketbox/systemd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "socketbox/unique_fd.hpp"

namespace socketbox::systemd {
namespace {

// A non-negative decimal number that fills the whole string, else -1.
long parse_count(const char* s) noexcept {
  if (!s || !*s) return -1;
  long v = 0;
  const char* end = s + std::strlen(s);
  const auto [ptr, ec] = std::from_chars(s, end, v);
  return ec == std::errc() && ptr == end && v >= 0 ? v : -1;
}

}  // namespace

bool notify(std::string_view state) noexcept { return notify_with_fds(state, nullptr, 0); }

bool notify_with_fds(std::string_view state, const int* fds, std::size_t n_fds) noexcept {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  // An absolute path, or '@' for a name in the abstract namespace.
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
    errno = EINVAL;
    return false;
  }
  std::memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';
  const socklen_t sa_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  if (n_fds == 0) {
    const ssize_t n = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&sa), sa_len);
    return n == static_cast<ssize_t>(state.size());
  }
  constexpr std::size_t kMaxFds = 16;
  if (n_fds > kMaxFds) {
    errno = EINVAL;
    return false;
  }
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))];
  std::memset(control, 0, sizeof control);
  iovec iov{const_cast<char*>(state.data()), state.size()};
  msghdr msg{};
  msg.msg_name = &sa;
  msg.msg_namelen = sa_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
  std::memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
  const ssize_t n = ::sendmsg(fd.get(), &msg, MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(state.size());
}

int listen_fds(std::vector<std::string>& names) {
  names.clear();
  std::string text;
  bool have = false;
  if (const char* e = std::getenv("LISTEN_FDNAMES")) {
    text = e;
    have = true;
  }
  const int n = listen_fds();
  if (n <= 0) return n;
  if (have) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t colon = text.find(':', start);
      names.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  if (names.size() != static_cast<std::size_t>(n))
    names.assign(static_cast<std::size_t>(n), "unknown");
  return n;
}

int listen_fds() noexcept {
  // The same answers as sd_listen_fds(): nothing set is 0 sockets, and so are
  // sockets meant for another process; a malformed value is -EINVAL.
  const char* pid_text = std::getenv("LISTEN_PID");
  const char* fds_text = std::getenv("LISTEN_FDS");
  int result = 0;
  if (pid_text) {
    const long pid = parse_count(pid_text);
    const long n = fds_text ? parse_count(fds_text) : 0;
    if (pid <= 0 || n < 0 || n > 1024) {
      result = -EINVAL;
    } else if (pid == ::getpid()) {
      for (int fd = kListenFdsStart; fd < kListenFdsStart + n; ++fd) {
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
          result = -errno;
          break;
        }
      }
      if (result == 0) result = static_cast<int>(n);
    }
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return result;
}

bool stderr_is_journal() noexcept {
  const char* e = std::getenv("JOURNAL_STREAM");
  if (!e) return false;
  const char* colon = std::strchr(e, ':');
  if (!colon) return false;
  unsigned long long dev = 0, ino = 0;
  const char* end = e + std::strlen(e);
  const auto d = std::from_chars(e, colon, dev);
  const auto i = std::from_chars(colon + 1, end, ino);
  if (d.ec != std::errc() || d.ptr != colon || i.ec != std::errc() || i.ptr != end) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) < 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void JournalEntry::put(const void* p, std::size_t n) noexcept {
  if (!ok_ || n > cap_ - len_) {
    ok_ = false;
    return;
  }
  std::memcpy(buf_ + len_, p, n);
  len_ += n;
}

void JournalEntry::add(std::string_view field, std::string_view value) noexcept {
  put(field.data(), field.size());
  if (value.find('\n') == std::string_view::npos) {
    put("=", 1);
  } else {
    // FIELD\n, the value's length as 64-bit little-endian, the value.
    put("\n", 1);
    unsigned char len[8];
    std::uint64_t n = value.size();
    for (unsigned char& b : len) {
      b = static_cast<unsigned char>(n & 0xff);
      n >>= 8;
    }
    put(len, sizeof len);
  }
  put(value.data(), value.size());
  put("\n", 1);
}

JournalSocket::JournalSocket(const char* path) noexcept
    : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
  if (!fd_) return;
  addr_.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  if (len >= sizeof addr_.sun_path) {
    fd_.reset();
    errno = ENAMETOOLONG;
    return;
  }
  std::memcpy(addr_.sun_path, path, len);
  addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len + 1);
  // Connected once, so each entry is a plain send and needs no address.
  if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr_), addr_len_) < 0)
    fd_.reset();  // keeps errno
}

int JournalSocket::send(std::string_view entry) noexcept {
  const int saved = errno;
  ssize_t n = ::send(fd_.get(), entry.data(), entry.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n < 0 && (errno == ECONNREFUSED || errno == ENOTCONN) &&
      ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr_), addr_len_) == 0)
    n = ::send(fd_.get(), entry.data(), entry.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  const int err = n < 0 ? errno : 0;
  errno = saved;
  return err;
}

}  // namespace socketbox::systemd
