#include "control_server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "clock.hpp"
#include "log.hpp"
#include "setup_error.hpp"
#include "socketbox/control_protocol.hpp"

namespace socketbox::daemon {

ControlServer::ControlServer(std::string path, ControlAnswerer& handler)
    : path_(std::move(path)), handler_(handler) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof sa.sun_path)
    throw SetupError("control socket path '" + path_ + "' is empty or longer than " +
                         std::to_string(sizeof sa.sun_path - 1) + " bytes",
                     kExitUsage);
  std::memcpy(sa.sun_path, path_.c_str(), path_.size() + 1);
  struct stat st {};
  if (lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw SetupError("control socket path " + path_ +
                       " exists and is not a socket; not replacing it");
    // A socket left by an earlier run: replace it, unless one still answers.
    UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe && connect(probe.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0)
      throw SetupError("control socket " + path_ + " is in use by another process");
    unlink(path_.c_str());
  }
  listen_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_) throw SetupError(errno_text("cannot create the control socket", errno));
  // Bind with a restrictive umask so the file is never more open than 0660.
  // The file keeps the owner that created it (root, before the drop) and the
  // group the directory gives it (set-group-ID /run/socketbox: socketbox-access):
  // no chown, so sbd needs no CAP_CHOWN, and once it has dropped to its user
  // it cannot open the socket up to others either.
  const mode_t old = umask(0117);
  const int rc = bind(listen_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  const int err = errno;
  umask(old);
  if (rc < 0) throw SetupError(errno_text("cannot bind control socket " + path_, err));
  if (chmod(path_.c_str(), 0660) < 0 || listen(listen_.get(), 16) < 0) {
    const int e = errno;
    unlink(path_.c_str());
    throw SetupError(errno_text("cannot set up control socket " + path_, e));
  }
  timer_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_) {
    const int e = errno;
    unlink(path_.c_str());
    throw SetupError(errno_text("cannot create a timer", e));
  }
}

ControlServer::~ControlServer() {
  if (unlink_at_exit_) unlink(path_.c_str());
}

void ControlServer::close_client(Client& c) noexcept {
  if (!c.fd) return;
  epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd.get(), nullptr);
  c.fd.reset();
  c.passed.reset();
  c.too_many_fds = false;
  c.reload_wait = 0;
  c.out.clear();
  c.out.shrink_to_fit();
  --active_;
}

bool ControlServer::on_accept() noexcept {
  for (;;) {
    const int fd = accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN) return true;
      log_conn_error("control: accept: %s", std::strerror(errno));
      return false;
    }
    const int slot = take_slot();
    if (slot < 0) {
      log_conn_error("control: %d clients are busy with answers; dropping a new one", kMaxClients);
      close(fd);
      continue;
    }
    Client& c = clients_[slot];
    c.fd.reset(fd);
    c.in_len = 0;
    c.out_off = 0;
    c.reload_wait = 0;
    c.passed.reset();
    c.too_many_fds = false;
    c.accepted_ms = monotonic_ms();
    c.deadline = c.accepted_ms + kIdleDeadlineMs;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = tag_base_ + static_cast<std::uint64_t>(slot);
    ++active_;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
      log_conn_error("control: epoll_ctl: %s", std::strerror(errno));
      c.fd.reset();
      --active_;
      continue;
    }
    arm_timer();
  }
}

int ControlServer::take_slot() noexcept {
  for (int i = 0; i < kMaxClients; ++i)
    if (!clients_[i].fd) return i;
  // Full. A client whose command arrived since the last wake-up is not idle:
  // read it now, so that a burst of newcomers cannot push out an operator
  // whose command is already waiting in its socket.
  for (int i = 0; i < kMaxClients; ++i)
    if (clients_[i].out.empty() && clients_[i].reload_wait == 0) on_client(i, EPOLLIN);
  int oldest = -1;
  for (int i = 0; i < kMaxClients; ++i) {
    const Client& c = clients_[i];
    if (!c.fd) return i;
    // Still sending its command (idle or slow): may give way to a newcomer.
    if (c.out.empty() && c.reload_wait == 0 &&
        (oldest < 0 || c.accepted_ms < clients_[oldest].accepted_ms))
      oldest = i;
  }
  if (oldest >= 0) {
    log_conn_error("control: all %d slots taken; dropping the oldest client that sent no command",
                   kMaxClients);
    close_client(clients_[oldest]);
  }
  return oldest;
}

void ControlServer::answer(Client& c, std::string_view line) noexcept {
  ControlAnswer a;
  try {
    if (c.too_many_fds) {
      a.text = control::to_line(control::ErrorAnswer{
          control::ErrorKind::BadArguments,
          "more than one descriptor came with the command; a command takes at most one"});
    } else if (c.passed) {
      a = handler_.answer_line_with_fd(line, std::move(c.passed));
    } else {
      a = handler_.answer_line(line);
    }
  } catch (const std::exception& e) {
    log_line("control: cannot answer: %s", e.what());
    close_client(c);
    return;
  }
  shutdown(c.fd.get(), SHUT_RD);
  if (a.wait != 0) {
    // Answered by complete(); until then nothing to read or write, but
    // a hang-up (EPOLLHUP, always reported) still frees the slot. Not
    // EPOLLRDHUP: a client that shut down its writing side still waits.
    c.reload_wait = a.wait;
    c.deadline = 0;
    epoll_event ev{};
    ev.events = 0;
    ev.data.u64 = tag_base_ + static_cast<std::uint64_t>(&c - clients_);
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd.get(), &ev);
    return;
  }
  send_answer(c, a.text);
}

void ControlServer::send_answer(Client& c, std::string_view text) noexcept {
  try {
    c.out.assign(text);
    c.out += '\n';
  } catch (const std::exception&) {
    close_client(c);
    return;
  }
  c.out_off = 0;
  c.reload_wait = 0;
  // Time to read it, in proportion to its size, from now.
  c.deadline = monotonic_ms() + kWriteBaseMs + c.out.size() * kWritePerMbMs / (1024 * 1024);
  flush(c);
}

void ControlServer::complete(std::uint64_t ticket, std::string_view text) noexcept {
  for (Client& c : clients_) {
    if (!c.fd || c.reload_wait == 0 || c.reload_wait > ticket) continue;
    send_answer(c, text);
  }
}

void ControlServer::flush(Client& c) noexcept {
  while (c.out_off < c.out.size()) {
    const ssize_t n = send(c.fd.get(), c.out.data() + c.out_off, c.out.size() - c.out_off,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = tag_base_ + static_cast<std::uint64_t>(&c - clients_);
        epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd.get(), &ev);
        return;
      }
      break;  // client went away
    }
    c.out_off += static_cast<std::size_t>(n);
  }
  close_client(c);
}

void ControlServer::on_client(int slot, std::uint32_t events) noexcept {
  if (slot < 0 || slot >= kMaxClients) return;
  Client& c = clients_[slot];
  if (!c.fd) return;
  if (c.reload_wait != 0) {  // waiting for a reload: only a hang-up matters
    if (events & (EPOLLERR | EPOLLHUP)) close_client(c);
    return;
  }
  if (!c.out.empty()) {  // answering
    if (events & (EPOLLERR | EPOLLHUP))
      close_client(c);
    else
      flush(c);
    return;
  }
  for (;;) {
    // Room for a few descriptors, so that a client sending more than one is
    // told so; any beyond that the kernel drops (MSG_CTRUNC), never installs.
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    iovec iov{c.in + c.in_len, sizeof c.in - c.in_len};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(c.fd.get(), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n >= 0) take_fds(c, msg);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      close_client(c);
      return;
    }
    if (n == 0) {  // EOF: a command without its newline still counts
      if (c.in_len == 0)
        close_client(c);
      else
        answer(c, std::string_view(c.in, c.in_len));
      return;
    }
    const std::size_t start = c.in_len;
    c.in_len += static_cast<std::size_t>(n);
    if (const void* nl = std::memchr(c.in + start, '\n', c.in_len - start)) {
      answer(c, std::string_view(c.in, static_cast<const char*>(nl) - c.in));
      return;
    }
    if (c.in_len == sizeof c.in) {
      // Not passed on as a command: its own answer, and no reading on.
      shutdown(c.fd.get(), SHUT_RD);
      static_assert(kMaxCommand == 256, "the answer below names the limit");
      send_answer(c, control::kCommandTooLongLine);
      return;
    }
  }
}

void ControlServer::take_fds(Client& c, const msghdr& msg) noexcept {
  if (msg.msg_flags & MSG_CTRUNC) c.too_many_fds = true;
  for (const cmsghdr* h = CMSG_FIRSTHDR(&msg); h;
       h = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(h))) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
      if (!c.passed && !c.too_many_fds)
        c.passed.reset(fd);
      else {
        close(fd);
        c.too_many_fds = true;
      }
    }
  }
  if (c.too_many_fds) c.passed.reset();
}

void ControlServer::arm_timer() noexcept {
  // A coarse periodic tick while clients exist; disarmed when none are left.
  itimerspec its{};
  if (active_ > 0) {
    its.it_value.tv_nsec = 250 * 1000000L;
    its.it_interval.tv_nsec = 250 * 1000000L;
  }
  timerfd_settime(timer_.get(), 0, &its, nullptr);
}

void ControlServer::on_timer() noexcept {
  std::uint64_t ticks;
  [[maybe_unused]] ssize_t r = read(timer_.get(), &ticks, sizeof ticks);
  const std::uint64_t now = monotonic_ms();
  for (Client& c : clients_)
    if (c.fd && c.deadline != 0 && now >= c.deadline) close_client(c);
  if (active_ == 0) arm_timer();
}

}  // namespace socketbox::daemon
