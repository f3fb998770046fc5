// sb-loadgen: a connect-read-close load generator for the dispatch benchmark.
// Each thread connects to the next of COUNT destination addresses (BASE+i),
// reads until the server closes, and records the latency. Prints one line:
//   connections=N seconds=S rate=R/s p50_us=A p99_us=B errors=E
// With --until-stopped it runs until SIGTERM or SIGINT (--seconds is then only
// a safety cap), so a test's load lasts as long as the test needs it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string base = "fd01:db8:1:40::1:0";
  unsigned count = 1000;
  unsigned port = 80;
  unsigned threads = 4;
  double seconds = 3;
  double rate = 0;  // connections/s over all threads; 0: as fast as possible
  bool until_stopped = false;
};

// Waits for SIGTERM/SIGINT (blocked in every thread) or for the cap to pass.
void wait_for_stop(const sigset_t& stop_signals, double cap_seconds) {
  const auto cap = std::chrono::duration<double>(cap_seconds);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(cap);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(cap - secs);
  timespec ts{static_cast<time_t>(secs.count()), static_cast<long>(ns.count())};
  while (sigtimedwait(&stop_signals, nullptr, &ts) < 0 && errno == EINTR) {
  }
}

sockaddr_in6 destination(const in6_addr& base, unsigned i, unsigned port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(static_cast<std::uint16_t>(port));
  sa.sin6_addr = base;
  // Add i to the last 32 bits, so BASE+0 .. BASE+count-1.
  std::uint32_t low;
  std::memcpy(&low, sa.sin6_addr.s6_addr + 12, 4);
  low = htonl(ntohl(low) + i);
  std::memcpy(sa.sin6_addr.s6_addr + 12, &low, 4);
  return sa;
}

// One connect-read-close round; false on any error.
bool one(const sockaddr_in6& sa) {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
  char buf[256];
  ssize_t n = 0;
  while (ok && (n = read(fd, buf, sizeof buf)) > 0) {
  }
  ok = ok && n == 0;
  close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"connect-read-close load generator for socketbox benchmarks"};
  app.add_option("--base", o.base, "first destination address (IPv6 or ::ffff:a.b.c.d)");
  app.add_option("--count", o.count, "number of destination addresses")
      ->check(CLI::Range(1u, 1u << 20));
  app.add_option("--port", o.port, "destination port")->check(CLI::Range(1u, 65535u));
  app.add_option("--threads", o.threads, "client threads")->check(CLI::Range(1u, 256u));
  auto* seconds = app.add_option("--seconds", o.seconds,
                                 "how long to run (with --until-stopped: the most it runs)")
                      ->check(CLI::Range(0.1, 3600.0));
  app.add_flag("--until-stopped", o.until_stopped,
               "run until SIGTERM or SIGINT, then print the line");
  app.add_option("--rate", o.rate,
                 "offered load in connections/s over all threads (default: unpaced)")
      ->check(CLI::Range(0.0, 1e7));
  CLI11_PARSE(app, argc, argv);
  if (o.until_stopped && seconds->count() == 0) o.seconds = 900;  // a test that forgets to stop it

  in6_addr base{};
  if (inet_pton(AF_INET6, o.base.c_str(), &base) != 1) {
    std::fprintf(stderr, "sb-loadgen: '%s' is not an IPv6 address\n", o.base.c_str());
    return 2;
  }
  // Blocked before the threads start, so only the main thread takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (o.until_stopped) pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<unsigned long> errors{0};
  std::vector<std::vector<std::uint32_t>> latencies(o.threads);
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      auto& lat = latencies[t];
      lat.reserve(1 << 20);
      // Paced: each thread starts a connection every threads/rate seconds.
      const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(o.rate > 0 ? o.threads / o.rate : 0));
      auto next = std::chrono::steady_clock::now();
      for (unsigned i = t; !stop.load(std::memory_order_relaxed); i += o.threads) {
        if (o.rate > 0) {
          next += interval;
          std::this_thread::sleep_until(next);
        }
        const auto sa = destination(base, i % o.count, o.port);
        const auto t0 = std::chrono::steady_clock::now();
        if (!one(sa)) {
          errors.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
        lat.push_back(static_cast<std::uint32_t>(us));
      }
    });
  }
  if (o.until_stopped)
    wait_for_stop(stop_signals, o.seconds);
  else
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::uint32_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto pct = [&](double p) -> unsigned {
    return all.empty() ? 0
                       : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf("connections=%zu seconds=%.2f rate=%.0f p50_us=%u p99_us=%u errors=%lu\n", all.size(),
              secs, all.size() / secs, pct(0.50), pct(0.99), errors.load());
  return all.empty() ? 1 : 0;
}
