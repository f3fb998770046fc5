#include "control/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "socketbox/handoff_wire.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::sbctl {
namespace {

long long now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, long long deadline) {
  for (;;) {
    const long long left = deadline - now_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// send() of the line's first byte with `attach` riding on it (the hand-off's
// one-descriptor message; sbd keeps it for the command the line completes).
ssize_t send_with_fd(int sock, const std::string& line, int attach) {
  const int err = send_one_fd(sock, nullptr, 0, attach, line.data(), 1);
  if (err == 0) return 1;
  errno = err;
  return -1;
}

// Connections per request (see control_request).
constexpr int kControlAttempts = 3;
// Wait before connecting again to a full backlog.
constexpr int kConnectRetryMs = 5;

// One connection: the answer, or nullopt when sbd closed it before reading
// the command or before any byte of an answer (see control_request).
// `whole`: the answer is everything up to the close, not one line.
// `attach`: a descriptor sent with the command's first bytes (SCM_RIGHTS), or -1.
std::optional<std::string> request_once(const std::string& path, const std::string& command,
                                        long long deadline, int timeout_ms, const std::string& who,
                                        bool whole, int attach) {
  const std::string where = who + " control socket " + path;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) throw ControlError(where + ": path too long", false);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw ControlError(where + ": socket: " + std::strerror(errno), false);
  // A Unix stream connect never completes later: EAGAIN means sbd's backlog
  // is full and the socket is still unconnected, so connect again shortly.
  while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED)
      throw ControlError(where + ": " + std::strerror(errno), true);
    if (errno == EINTR) continue;
    if (errno != EAGAIN) throw ControlError(where + ": " + std::strerror(errno), false);
    if (now_ms() + kConnectRetryMs >= deadline)
      throw ControlError(where + ": connect timed out (backlog full)", false);
    ::poll(nullptr, 0, kConnectRetryMs);
  }
  const std::string line = command + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = sent == 0 && attach >= 0
                          ? send_with_fd(fd.get(), line, attach)
                          : ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd.get(), POLLOUT, deadline))
        throw ControlError(where + ": send timed out", false);
    } else if (errno == EPIPE || errno == ECONNRESET) {
      return std::nullopt;  // closed before it read the command
    } else {
      throw ControlError(where + ": send: " + std::strerror(errno), errno == ECONNREFUSED);
    }
  }
  std::string answer;
  for (;;) {
    if (const auto nl = answer.find('\n'); nl != std::string::npos && !whole)
      return answer.substr(0, nl);
    if (answer.size() > (1u << 24)) throw ControlError(where + ": answer too long", false);
    if (!wait_for(fd.get(), POLLIN, deadline))
      throw ControlError(where + ": no answer within " + std::to_string(timeout_ms) + " ms", false);
    char buf[4096];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      if (!answer.empty()) return answer;
      return std::nullopt;
    } else if (errno == ECONNRESET && answer.empty()) {
      return std::nullopt;
    } else if (errno != EAGAIN && errno != EINTR) {
      throw ControlError(where + ": recv: " + std::strerror(errno), false);
    }
  }
}

}  // namespace

std::string control_request(const std::string& path, const std::string& command, int timeout_ms,
                            const std::string& who, bool whole, int attach) {
  // When its slots are full, sbd makes room by closing the oldest client
  // whose command it has not read yet; that can catch a command still on its
  // way. It answers every command it did read, so asking again is safe.
  const long long deadline = now_ms() + timeout_ms;
  for (int attempt = 1;; ++attempt) {
    if (auto answer = request_once(path, command, deadline, timeout_ms, who, whole, attach))
      return *answer;
    if (attempt == kControlAttempts || now_ms() >= deadline)
      throw ControlError(who + " control socket " + path + ": closed without an answer (" +
                             std::to_string(attempt) + " attempts)",
                         false);
  }
}

control::ReloadAnswer request_reload(const std::string& path, const std::string& who) {
  const std::string line = control_request(path, "reload", kReloadTimeoutMs, who);
  try {
    return control::parse_answer<control::ReloadAnswer>(line, who);
  } catch (const control::RefusedError& e) {
    throw ControlError(
        who + " control socket " + path + ": " + who + " refused 'reload': " + e.what(), false);
  } catch (const control::ProtocolError& e) {
    throw ControlError(who + " control socket " + path + ": " + e.what(), false);
  }
}

std::uint16_t send_listener(const std::string& path, int fd) {
  const std::string line = control_request(path, "listener", 5000, "sbd", false, fd);
  try {
    return control::parse_answer<control::ListenerAnswer>(line).port;
  } catch (const control::RefusedError& e) {
    throw ControlError(
        "sbd control socket " + path + ": sbd refused the listening socket: " + e.what(), false);
  } catch (const control::ProtocolError& e) {
    throw ControlError("sbd control socket " + path + ": " + e.what(), false);
  }
}

SbdStatus parse_status(const std::string& line) {
  return {line, control::parse_answer<control::StatusAnswer>(line)};
}

std::string request_metrics(const std::string& path) {
  std::string text = control_request(path, "metrics", 5000, "sbd", true);
  const std::string end = "# EOF\n";
  if (text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0)
    return text.substr(0, text.size() - end.size());
  // An error line: an sbd from before `metrics` answers {"ok":false,...}.
  std::string error = text.substr(0, text.find('\n'));
  if (const auto refused = control::error_in(error)) error = refused->error;
  throw ControlError(
      "sbd control socket " + path + ": no metrics in its answer (" + error.substr(0, 200) + ")",
      false);
}

SbdStatus request_status(const std::string& path) {
  const std::string line = control_request(path, "status");
  try {
    return parse_status(line);
  } catch (const control::RefusedError& e) {
    throw ControlError("sbd control socket " + path + ": sbd refused 'status': " + e.what(), false);
  } catch (const control::ProtocolError& e) {
    throw ControlError("sbd control socket " + path + ": " + e.what(), false);
  }
}

}  // namespace socketbox::sbctl

namespace socketbox::sbctl {

RelayStatus parse_relay_status(const std::string& line) {
  return {line, control::parse_answer<control::RelayStatusAnswer>(line, "sb-relay")};
}

RelayStatus request_relay_status(const std::string& path) {
  const std::string line = control_request(path, "status", 5000, "sb-relay");
  try {
    return parse_relay_status(line);
  } catch (const control::RefusedError& e) {
    throw ControlError(
        "sb-relay control socket " + path + ": sb-relay refused 'status': " + e.what(), false);
  } catch (const control::ProtocolError& e) {
    throw ControlError("sb-relay control socket " + path + ": " + e.what(), false);
  }
}

}  // namespace socketbox::sbctl
