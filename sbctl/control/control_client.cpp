#include "control/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <optional>

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

// Connections per request (see control_request).
constexpr int kControlAttempts = 3;

// One connection: the answer, or nullopt when sbd closed it before reading
// the command or before any byte of an answer (see control_request).
std::optional<std::string> request_once(const std::string& path, const std::string& command,
                                        long long deadline, int timeout_ms,
                                        const std::string& who) {
  const std::string where = who + " control socket " + path;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) throw ControlError(where + ": path too long", false);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw ControlError(where + ": socket: " + std::strerror(errno), false);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED)
      throw ControlError(where + ": " + std::strerror(errno), true);
    if (errno != EINPROGRESS && errno != EAGAIN)
      throw ControlError(where + ": " + std::strerror(errno), false);
    if (!wait_for(fd.get(), POLLOUT, deadline))
      throw ControlError(where + ": connect timed out", false);
  }
  const std::string line = command + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
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
    if (const auto nl = answer.find('\n'); nl != std::string::npos) return answer.substr(0, nl);
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
                            const std::string& who) {
  // When its slots are full, sbd makes room by closing the oldest client
  // whose command it has not read yet; that can catch a command still on its
  // way. It answers every command it did read, so asking again is safe.
  const long long deadline = now_ms() + timeout_ms;
  for (int attempt = 1;; ++attempt) {
    if (auto answer = request_once(path, command, deadline, timeout_ms, who)) return *answer;
    if (attempt == kControlAttempts || now_ms() >= deadline)
      throw ControlError(who + " control socket " + path + ": closed without an answer (" +
                             std::to_string(attempt) + " attempts)",
                         false);
  }
}

ReloadAnswer request_reload(const std::string& path, const std::string& who) {
  const std::string line = control_request(path, "reload", kReloadTimeoutMs, who);
  ReloadAnswer a;
  try {
    const JsonValue v = parse_json(line);
    a.ok = v["ok"].type == JsonValue::Type::Bool && v["ok"].boolean;
    a.generation = v["generation"].as_int();
    a.error = v["error"].as_string();
    if (!a.ok && a.error.empty()) a.error = who + " answered: " + line;
  } catch (const JsonError& e) {
    throw ControlError(
        who + " control socket " + path + ": unreadable answer '" + line + "': " + e.what(), false);
  }
  return a;
}

SbdStatus parse_status(const std::string& line) {
  const JsonValue v = parse_json(line);
  SbdStatus s;
  s.raw = line;
  s.listen = v["listen"].as_string();
  s.table = v["table"].as_string();
  s.generation = v["generation"].as_int();
  s.uptime_s = v["uptime_s"].as_int();
  s.pid = v["pid"].as_int();
  const JsonValue& c = v["connections"];
  s.accepted = c["accepted"].as_int();
  s.dispatched = c["dispatched"].as_int();
  s.no_match = c["no_match"].as_int();
  s.failed = c["failed"].as_int();
  for (const JsonValue& t : v["targets"].array) {
    TargetCounters tc;
    tc.path = t["path"].as_string();
    if (tc.path.empty() && !t["fd"].is_null()) tc.path = "fd:" + std::to_string(t["fd"].as_int());
    tc.sent = t["sent"].as_int();
    const JsonValue& f = t["failed"];
    tc.missing = f["missing"].as_int();
    tc.refused = f["refused"].as_int();
    tc.full = f["full"].as_int();
    tc.other = f["other"].as_int();
    s.targets.push_back(std::move(tc));
  }
  // Older sbd sent every target and none of these.
  s.targets_total = v["targets_total"].is_null() ? static_cast<long long>(s.targets.size())
                                                 : v["targets_total"].as_int();
  s.truncated = v["truncated"].type == JsonValue::Type::Bool && v["truncated"].boolean;
  s.retired_targets = v["retired"]["targets"].as_int();
  s.retired_sent = v["retired"]["sent"].as_int();
  return s;
}

SbdStatus request_status(const std::string& path) {
  const std::string line = control_request(path, "status");
  try {
    return parse_status(line);
  } catch (const JsonError& e) {
    throw ControlError("sbd control socket " + path + ": unreadable answer: " + e.what(), false);
  }
}

}  // namespace socketbox::sbctl

namespace socketbox::sbctl {

RelayStatus parse_relay_status(const std::string& line) {
  const JsonValue v = parse_json(line);
  RelayStatus s;
  s.raw = line;
  s.pid = v["pid"].as_int();
  s.uptime_s = v["uptime_s"].as_int();
  s.generation = v["generation"].as_int();
  s.active = v["active"].as_int();
  s.max_connections = v["max_connections"].as_int();
  for (const JsonValue& r : v["relays"].array) {
    RelayCounters c;
    c.path = r["path"].as_string();
    c.target = r["target"].as_string();
    c.proxy = r["proxy"].as_string();
    c.accepted = r["accepted"].as_int();
    c.connected = r["connected"].as_int();
    c.failed_connect = r["failed_connect"].as_int();
    c.refused_over_limit = r["refused_over_limit"].as_int();
    c.idle_timeouts = r["idle_timeouts"].as_int();
    c.errors = r["errors"].as_int();
    c.active = r["active"].as_int();
    c.bytes_to_target = r["bytes_to_target"].as_int();
    c.bytes_to_client = r["bytes_to_client"].as_int();
    s.relays.push_back(std::move(c));
  }
  return s;
}

RelayStatus request_relay_status(const std::string& path) {
  const std::string line = control_request(path, "status", 5000, "sb-relay");
  try {
    return parse_relay_status(line);
  } catch (const JsonError& e) {
    throw ControlError("sb-relay control socket " + path + ": unreadable answer: " + e.what(),
                       false);
  }
}

}  // namespace socketbox::sbctl
