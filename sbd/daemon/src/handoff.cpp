#include "handoff.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "setup_error.hpp"
#include "socketbox/handoff_wire.hpp"

namespace socketbox::daemon {
namespace {

int send_fd(int sock, const sockaddr_un* to, socklen_t to_len, int fd) noexcept {
  return send_one_fd(sock, to, to_len, fd, &kHandoffPayload, 1);
}

// Fills `to` for `path`; returns its length, or 0 with `err` set.
socklen_t make_address(const char* path, std::size_t len, sockaddr_un& to, int& err) noexcept {
  if (len == 0) {
    err = ENOENT;
    return 0;
  }
  if (len >= sizeof to.sun_path) {
    err = ENAMETOOLONG;
    return 0;
  }
  to.sun_family = AF_UNIX;
  std::memcpy(to.sun_path, path, len + 1);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len + 1);
}

// Datagrams queued at a slow receiver are charged to the sending socket's
// buffer; a large one keeps a burst to one receiver from failing early.
void enlarge_send_buffer(int sock) noexcept {
  const int want = 4 << 20;
  if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want) < 0)
    setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
}

// The receiver is still there, only out of room: keep the link.
bool receiver_alive(int err) noexcept { return err == 0 || err == EAGAIN || err == ENOBUFS; }

}  // namespace

SendFailure classify_send_error(int err) noexcept {
  switch (err) {
    case ENOENT:
      return SendFailure::Missing;
    case ECONNREFUSED:
      return SendFailure::Refused;
    case EAGAIN:
      return SendFailure::Full;
    default:
      return SendFailure::Other;
  }
}

bool fails_over(int err) noexcept {
  return classify_send_error(err) != SendFailure::Other || err == ENOBUFS;
}

HandoffSender::HandoffSender() : sock_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  if (!sock_) throw SetupError(errno_text("cannot create the hand-off socket", errno));
  enlarge_send_buffer(sock_.get());
}

int HandoffSender::send_to_path(const char* path, std::size_t len, int fd) const noexcept {
  sockaddr_un to;
  int err = 0;
  const socklen_t to_len = make_address(path, len, to, err);
  return to_len ? send_fd(sock_.get(), &to, to_len, fd) : err;
}

int HandoffSender::send_to_target(std::uint32_t index, const char* path, std::size_t len,
                                  int fd) noexcept {
  if (index >= kLinkedTargets) return send_to_path(path, len, fd);
  UniqueFd& link = links_[index];
  if (link) {
    const int err = send_fd(link.get(), nullptr, 0, fd);
    if (receiver_alive(err)) return err;
    link.reset();  // its socket closed (ECONNREFUSED): connect to what is there now
  }
  sockaddr_un to;
  int err = 0;
  const socklen_t to_len = make_address(path, len, to, err);
  if (!to_len) return err;
  // This connection goes by name over the shared socket, so a missing or
  // refusing receiver costs one sendmsg, not a socket and a connect each
  // time; only a receiver that took it is linked, for the next ones.
  err = send_fd(sock_.get(), &to, to_len, fd);
  if (err != 0) return err;
  UniqueFd s(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (s && connect(s.get(), reinterpret_cast<const sockaddr*>(&to), to_len) == 0) {
    enlarge_send_buffer(s.get());
    link = std::move(s);
  }
  return 0;
}

void HandoffSender::forget_targets() noexcept {
  for (UniqueFd& link : links_) link.reset();
}

std::size_t HandoffSender::linked_targets() const noexcept {
  std::size_t n = 0;
  for (const UniqueFd& link : links_) n += link ? 1 : 0;
  return n;
}

int HandoffSender::send_over(int via, int fd) noexcept { return send_fd(via, nullptr, 0, fd); }

}  // namespace socketbox::daemon
