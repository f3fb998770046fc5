#include "ops/probe.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "control/control_client.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::sbctl {
namespace {

long long now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  ::nanosleep(&ts, nullptr);
}

// sockaddr for the probe's destination, in the family it was written in.
socklen_t dest_addr(const ProbeSpec& p, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (p.v4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(p.port);
    sin->sin_addr = p.addr.to_in4();
    return sizeof *sin;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(p.port);
  sin6->sin6_addr = p.addr.to_in6();
  return sizeof *sin6;
}

// A socket made inside the probe's namespace (it stays there after the
// scope ends; connect and getsockname act in the socket's namespace).
UniqueFd socket_in(const ProbeSpec& p, int type) {
  netcfg::NetnsScope ns(p.netns);
  UniqueFd fd(::socket(p.v4 ? AF_INET : AF_INET6, type | SOCK_CLOEXEC, 0));
  if (!fd) throw ProbeError(std::string("socket: ") + std::strerror(errno));
  return fd;
}

struct Counts {
  std::uint64_t sent = 0, failed = 0;
  control::FailedCounts by_cause;
};

// One target's counters; zero for a target sbd has none for yet.
Counts target_counts(const std::string& control, const std::string& target) {
  const std::string line = control_request(control, "status target " + target, 2000);
  if (const auto e = control::error_in(line)) {
    if (e->kind == control::ErrorKind::NoSuchTarget) return {};
    throw ProbeError("sbd refused 'status target " + target + "': " + e->error);
  }
  const auto a = control::parse_answer<control::TargetAnswer>(line);
  return {a.target.sent, a.target.failed_total(), a.target.failed};
}

// `sent` of the targets in sbd's `status` (the busiest), and no_match: to say
// where a connection went instead.
struct Overview {
  std::map<std::string, std::uint64_t> sent;
  std::uint64_t no_match = 0;
};
std::optional<Overview> overview(const std::string& control) {
  try {
    const SbdStatus s = request_status(control);
    Overview o;
    for (const auto& t : s.answer.targets) o.sent[t.name()] = t.sent;
    o.no_match = s.answer.connections.no_match;
    return o;
  } catch (const std::exception&) {
    return std::nullopt;  // only for a better message; the verdict stands without it
  }
}

std::string failure_cause(const control::FailedCounts& before, const control::FailedCounts& now) {
  if (now.missing > before.missing) return "no receiver listening there";
  if (now.refused > before.refused) return "the receiver refused it";
  if (now.full > before.full) return "the receiver's queue was full";
  return "the hand-off failed";
}

}  // namespace

table::Addr probe_source(const ProbeSpec& p) {
  const UniqueFd fd = socket_in(p, SOCK_DGRAM);
  sockaddr_storage dst{};
  const socklen_t len = dest_addr(p, dst);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&dst), len) != 0)
    throw ProbeError(
        "no route to it from " +
        (p.netns.empty() ? std::string("the box's namespace") : "namespace '" + p.netns + "'") +
        ": " + std::strerror(errno));
  sockaddr_storage src{};
  socklen_t slen = sizeof src;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&src), &slen) != 0)
    throw ProbeError(std::string("getsockname: ") + std::strerror(errno));
  if (src.ss_family == AF_INET)
    return table::Addr::from_in4(reinterpret_cast<const sockaddr_in*>(&src)->sin_addr);
  return table::Addr::from_in6(reinterpret_cast<const sockaddr_in6*>(&src)->sin6_addr);
}

std::string run_probe(const ProbePlan& p, const std::string& control) {
  try {
    const Counts before = target_counts(control, p.target);
    const auto view_before = overview(control);

    const UniqueFd fd = socket_in(p.spec, SOCK_STREAM | SOCK_NONBLOCK);
    sockaddr_storage dst{};
    const socklen_t len = dest_addr(p.spec, dst);
    int err = 0;
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&dst), len) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        pollfd pfd{fd.get(), POLLOUT, 0};
        int n;
        do n = ::poll(&pfd, 1, kProbeConnectMs);
        while (n < 0 && errno == EINTR);
        if (n == 0)
          return "no answer to the connect within " + std::to_string(kProbeConnectMs / 1000) + " s";
        socklen_t elen = sizeof err;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) != 0) err = errno;
      }
    }
    if (err == ECONNREFUSED) return "connection refused";
    // A reset after the handshake: sbd took the connection and closed it (no
    // match, or a failed hand-off) before we looked; its counters say which.
    const bool reset = err == ECONNRESET;
    if (err != 0 && !reset) return std::string("connect: ") + std::strerror(err);

    // Connected (to sbd, if the kernel steered it): sbd hands it on at once;
    // wait, bounded, for the expected target's counter to move.
    const long long deadline = now_ms() + kProbeCounterMs;
    for (;;) {
      const Counts now = target_counts(control, p.target);
      if (now.sent > before.sent) return {};
      if (now.failed > before.failed)
        return "reached sbd but the hand-off to " + p.target +
               " failed: " + failure_cause(before.by_cause, now.by_cause);
      if (now_ms() >= deadline) break;
      sleep_ms(50);
    }
    if (const auto view_now = overview(control); view_before && view_now) {
      for (const auto& [name, sent] : view_now->sent) {
        const auto it = view_before->sent.find(name);
        if (name != p.target && sent > (it == view_before->sent.end() ? 0 : it->second))
          return "reached sbd but went to " + name + ", expected " + p.target;
      }
      if (view_now->no_match > view_before->no_match)
        return "reached sbd but no route matched it, expected " + p.target;
    }
    if (reset) return "connection reset, and sbd did not hand it to " + p.target;
    return "connected, but sbd did not hand it to " + p.target + " within " +
           std::to_string(kProbeCounterMs / 1000) + " s (is something else listening there?)";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace socketbox::sbctl
