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
  static const char kPayload = '\0';  // the original socketbox's one NUL byte
  return send_one_fd(sock, to, to_len, fd, &kPayload, 1);
}

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
  // Datagrams queued at a slow receiver are charged to this socket's send
  // buffer; a large one keeps stuck receivers from starving the others.
  const int want = 4 << 20;
  if (setsockopt(sock_.get(), SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want) < 0)
    setsockopt(sock_.get(), SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
}

int HandoffSender::send_to_path(const char* path, std::size_t len, int fd) const noexcept {
  sockaddr_un to;
  if (len == 0) return ENOENT;
  if (len >= sizeof to.sun_path) return ENAMETOOLONG;
  to.sun_family = AF_UNIX;
  std::memcpy(to.sun_path, path, len + 1);
  return send_fd(sock_.get(), &to,
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len + 1), fd);
}

int HandoffSender::send_over(int via, int fd) noexcept { return send_fd(via, nullptr, 0, fd); }

}  // namespace socketbox::daemon
