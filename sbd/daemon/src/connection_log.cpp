#include "connection_log.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace socketbox::daemon {

namespace tbl = socketbox::table;

namespace {

// Appends to a fixed buffer, truncating; always leaves room for a NUL.
struct Out {
  char* p;
  std::size_t cap;
  std::size_t len = 0;

  Out(char* buf, std::size_t c) noexcept : p(buf), cap(c) {
    if (cap) p[0] = '\0';
  }
  Out& s(std::string_view v) noexcept {
    if (cap == 0) return *this;
    const std::size_t n = std::min(v.size(), cap - 1 - len);
    std::memcpy(p + len, v.data(), n);
    len += n;
    p[len] = '\0';
    return *this;
  }
  Out& u(std::uint64_t v) noexcept {
    char d[24];
    const auto r = std::to_chars(d, d + sizeof d, v);
    return s(std::string_view(d, static_cast<std::size_t>(r.ptr - d)));
  }
  std::string_view view() const noexcept { return {p, len}; }
};

// A plain line's value: bare if it is a single word, else double-quoted
// with '"', '\' and control characters escaped, so lines split unambiguously.
void value(Out& o, std::string_view v) noexcept {
  bool bare = !v.empty();
  for (const char c : v)
    if (c == ' ' || c == '"' || c == '\\' || c == '=' || static_cast<unsigned char>(c) < 0x20)
      bare = false;
  if (bare) {
    o.s(v);
    return;
  }
  o.s("\"");
  for (const char c : v) {
    if (c == '"' || c == '\\') {
      const char e[2] = {'\\', c};
      o.s(std::string_view(e, 2));
    } else if (static_cast<unsigned char>(c) < 0x20) {
      o.s(c == '\n' ? "\\n" : "?");
    } else {
      o.s(std::string_view(&c, 1));
    }
  }
  o.s("\"");
}

}  // namespace

std::optional<ClientLogging> parse_client_logging(std::string_view s) noexcept {
  if (s == "full") return ClientLogging::Full;
  if (s == "prefix") return ClientLogging::Prefix;
  if (s == "none") return ClientLogging::None;
  return std::nullopt;
}

std::size_t format_log_endpoint(const tbl::Addr& a, std::uint16_t port, char* out,
                                std::size_t cap) noexcept {
  char addr[INET6_ADDRSTRLEN];
  Out o(out, cap);
  if (a.is_v4_mapped())
    o.s(socketbox::net::format_addr_plain(a, addr));
  else
    o.s("[").s(socketbox::net::format_addr_plain(a, addr)).s("]");
  return o.s(":").u(port).len;
}

std::size_t format_log_client(const tbl::Addr& a, std::uint16_t port, ClientLogging mode, char* out,
                              std::size_t cap) noexcept {
  switch (mode) {
    case ClientLogging::Full:
      return format_log_endpoint(a, port, out, cap);
    case ClientLogging::None:
      return Out(out, cap).s("-").len;
    case ClientLogging::Prefix:
      break;
  }
  // /24 for IPv4 (a subscriber's network at most), /64 for IPv6 (a site).
  const bool v4 = a.is_v4_mapped();
  const tbl::Addr net = a & tbl::Addr::prefix_mask(v4 ? 96 + 24 : 64);
  char addr[INET6_ADDRSTRLEN];
  return Out(out, cap).s(socketbox::net::format_addr_plain(net, addr)).s(v4 ? "/24" : "/64").len;
}

std::size_t format_log_route(const tbl::TraceStep& d, char* out, std::size_t cap) noexcept {
  Out o(out, cap);
  o.s(d.in_map ? "map-set:" : "rule-set:").u(d.set_id);
  if (d.entry < 0) o.s(" default");
  if (d.pos.line) o.s(" line ").u(d.pos.line);
  return o.len;
}

ConnectionLog::ConnectionLog(const Config& c, ConnectionLogCounters& counters) noexcept
    : cfg_(c), counters_(counters), limiter_(c.per_second) {
  struct stat st {};
  plain_is_socket_ = ::fstat(c.plain_fd, &st) == 0 && S_ISSOCK(st.st_mode);
  if (c.journal) {
    journal_ = socketbox::systemd::JournalSocket(c.journal);
    journal_failed_ = !journal_.is_open();
  }
}

void ConnectionLog::emit(int priority, std::string_view message, const char* const* fields,
                         const std::string_view* values, int nfields) noexcept {
  int err = 0;
  if (journal_.is_open()) {
    char buf[2048];
    socketbox::systemd::JournalEntry e(buf, sizeof buf);
    const char prio[2] = {static_cast<char>('0' + priority), '\0'};
    e.add("PRIORITY", prio);
    e.add("SYSLOG_IDENTIFIER", cfg_.identifier);
    e.add("MESSAGE", message);
    for (int i = 0; i < nfields; ++i) {
      char name[32];
      e.add(std::string_view(
                name, static_cast<std::size_t>(Out(name, sizeof name).s("SB_").s(fields[i]).len)),
            values[i]);
    }
    if (!e.ok()) {
      ++counters_.dropped;  // cannot happen with paths of sockaddr_un size
      return;
    }
    err = journal_.send(e.data());
  } else {
    char buf[1024];
    Out o(buf, sizeof buf - 1);  // room for the newline
    o.s(cfg_.identifier).s(": ");
    if (nfields == 0) {
      o.s(message);
    } else {
      o.s("connection");
      for (int i = 0; i < nfields; ++i) {
        char name[16];
        std::size_t n = Out(name, sizeof name).s(fields[i]).len;
        for (std::size_t k = 0; k < n; ++k) name[k] = static_cast<char>(name[k] | 0x20);
        o.s(" ").s(std::string_view(name, n)).s("=");
        value(o, values[i]);
      }
    }
    buf[o.len] = '\n';
    const std::size_t len = o.len + 1;
    const int saved = errno;
    // A socket (such as the journal's stream) is written without blocking.
    // A file, terminal or pipe is written as the other log lines are: making
    // it nonblocking would change the description stderr shares.
    const ssize_t w = plain_is_socket_
                          ? ::send(cfg_.plain_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL)
                          : ::write(cfg_.plain_fd, buf, len);
    err = w == static_cast<ssize_t>(len) ? 0 : (w < 0 ? errno : EAGAIN);
    errno = saved;
  }
  if (err) ++counters_.dropped;
}

void ConnectionLog::summary(std::uint64_t n) noexcept {
  char buf[96];
  Out o(buf, sizeof buf);
  o.u(n).s(" connection log lines suppressed in the last second");
  emit(5, o.view(), nullptr, nullptr, 0);
}

void ConnectionLog::record(const tbl::Tuple& t, const tbl::TraceStep& decided, const char* target,
                           int err, std::uint64_t now_ms) noexcept {
  std::uint64_t held = 0;
  const bool ok = limiter_.allow(now_ms, held);
  if (held) summary(held);
  if (!ok) {
    ++counters_.suppressed;
    return;
  }
  char client[64], dest[64], route[64], fdname[24], result[96];
  const std::size_t nc = format_log_client(t.remote, t.rport, cfg_.clients, client, sizeof client);
  const std::size_t nd = format_log_endpoint(t.local, t.lport, dest, sizeof dest);
  const std::size_t nr = format_log_route(decided, route, sizeof route);
  std::string_view tgt = "-";
  if (decided.action.kind == tbl::ActionKind::Fd)
    tgt = std::string_view(fdname, Out(fdname, sizeof fdname).s("fd:").u(decided.action.arg).len);
  else if (target)
    tgt = target;
  Out res(result, sizeof result);
  std::string_view reason;
  int priority = 6;  // info
  if (decided.action.kind == tbl::ActionKind::Fail) {
    res.s("no-match");
    priority = 5;  // notice
  } else if (err == 0) {
    res.s("sent");
  } else {
    reason = std::strerror(err);
    res.s("failed: ").s(reason);
    priority = 4;  // warning
  }
  static const char* const kFields[] = {"CLIENT", "DEST", "ROUTE", "TARGET", "RESULT", "REASON"};
  std::string_view values[] = {{client, nc}, {dest, nd}, {route, nr}, tgt, res.view(), reason};
  char message[512];
  Out m(message, sizeof message);
  m.s(values[0]).s(" -> ").s(values[1]).s(" (").s(values[2]).s("): ");
  if (tgt != "-") m.s(tgt).s(": ");
  m.s(res.view());
  int nfields = 5;
  if (journal_.is_open() && !reason.empty()) {
    // Journal matches are exact: SB_RESULT=failed must match every failure,
    // so the reason gets a field of its own there.
    values[4] = "failed";
    nfields = 6;
  }
  emit(priority, m.view(), kFields, values, nfields);
}

void ConnectionLog::flush_suppressed() noexcept {
  if (const std::uint64_t n = limiter_.take_suppressed()) summary(n);
}

}  // namespace socketbox::daemon
