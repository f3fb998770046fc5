#include "dispatcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "log.hpp"

namespace socketbox::daemon {

namespace tbl = socketbox::table;

namespace {

// Connections taken per wake-up before returning to epoll (which is level
// triggered and comes straight back), so a flood cannot starve the control
// socket and signals.
constexpr int kAcceptBatch = 1024;

void format_endpoint(const tbl::Addr& a, std::uint16_t port, char* out, std::size_t cap) noexcept {
  const in6_addr in6 = a.to_in6();
  char addr[INET6_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET6, &in6, addr, sizeof addr);
  std::snprintf(out, cap, "[%s]:%u", addr, static_cast<unsigned>(port));
}

}  // namespace

void reset_connection(int fd) noexcept {
  const linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

void Dispatcher::fail(int conn, const tbl::Tuple& t, const char* why, const char* target,
                      int err) noexcept {
  reset_connection(conn);
  if (!log_conn_error_due()) return;  // a flood: skip the formatting too
  char from[64], to[64];
  format_endpoint(t.remote, t.rport, from, sizeof from);
  format_endpoint(t.local, t.lport, to, sizeof to);
  if (target)
    log_line("%s -> %s: %s %s: %s; connection reset", from, to, why, target, std::strerror(err));
  else
    log_line("%s -> %s: %s; connection reset", from, to, why);
}

int Dispatcher::send_to_target(int conn, std::uint32_t index, const tbl::Tuple& t,
                               ExpandedPath& expanded, const char*& name) noexcept {
  const tbl::Target& tg = active_.table->targets[index];
  name = tg.path.c_str();
  if (substitute_ && tg.has_placeholders) {
    const std::size_t n = tbl::expand_path(tg.path, t, expanded, sizeof expanded);
    if (n) name = expanded;  // name the real path in the log
    return n ? sender_.send_to_path(expanded, n, conn) : ENAMETOOLONG;
  }
  return sender_.send_to_target(index, tg.path.c_str(), tg.path.size(), conn);
}

void Dispatcher::dispatch(int conn, const sockaddr* local, const sockaddr* peer) noexcept {
  tbl::Tuple t;
  if (!active_.table || !tbl::tuple_from_sockaddrs(local, peer, t)) {
    ++counters_.connections.no_match;
    reset_connection(conn);
    return;
  }
  route(conn, t);
}

SB_NO_VPTR_CHECK void Dispatcher::route(int conn, const tbl::Tuple& t) noexcept {
  tbl::TraceStep decided;  // the deciding line, for the connection log
  const tbl::Action a = active_.table->lookup(t, nullptr, log_ ? &decided : nullptr);
  int err = 0;
  TargetCounters* tc = nullptr;
  const char* target = nullptr;
  char fdname[24];
  ExpandedPath expanded;
  // Logs the outcome on whichever path returns below (declared after what
  // `target` may point into, so that outlives it).
  const ConnectionLog::AtExit log_outcome{log_, t, decided, target, err};
  switch (a.kind) {
    case tbl::ActionKind::Unix:
      // A linked target's hand-off can wait for the ring's next submit,
      // which makes it and the close with one system call for all queued.
      if (queue_ && !log_ && !(substitute_ && active_.table->targets[a.arg].has_placeholders)) {
        const int via = sender_.link(a.arg);
        if (via >= 0 && queue_->queue_handoff(via, conn, a.arg, t)) return;
      }
      tc = active_.counters[a.arg];
      err = send_to_target(conn, a.arg, t, expanded, target);
      break;
    case tbl::ActionKind::UnixAny: {
      // In order; only a missing, refusing or full receiver passes the
      // connection on, so the last error is the one reported.
      const auto list = active_.table->targets_of_list(a.arg);
      for (std::size_t i = 0; i < list.size(); ++i) {
        tc = active_.counters[list[i]];
        err = send_to_target(conn, list[i], t, expanded, target);
        if (err == 0 || i + 1 == list.size() || !fails_over(err)) break;
        if (tc) {
          tc->count_failure(classify_send_error(err));
          ++tc->failovers;
        }
      }
      break;
    }
    case tbl::ActionKind::Fd:
      tc = counters_.for_fd(a.arg);
      std::snprintf(fdname, sizeof fdname, "fd %u", a.arg);
      target = fdname;
      err = HandoffSender::send_over(static_cast<int>(a.arg), conn);
      break;
    default:  // Fail; jumps never come out of lookup()
      ++counters_.connections.no_match;
      fail(conn, t, "the table has no receiver for it (fail)", nullptr, 0);
      return;
  }
  if (err == 0) {
    if (tc) ++tc->sent;
    ++counters_.connections.dispatched;
    close(conn);  // the receiver has its own reference now
    return;
  }
  if (tc) tc->count_failure(classify_send_error(err));
  ++counters_.connections.failed;
  fail(conn, t, "cannot hand off to", target, err);
}

bool Dispatcher::accept_failed(int err) noexcept {
  switch (err) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:  // the connection died in the queue; take the next one
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      ++counters_.connections.accept_backoffs;
      log_conn_error("accept: %s; pausing accepts for 100 ms", std::strerror(err));
      return false;
    default:
      ++counters_.connections.accept_backoffs;
      log_conn_error("accept: %s", std::strerror(err));
      return false;
  }
}

void Dispatcher::accepted(int conn, const sockaddr* peer) noexcept {
  ++counters_.connections.accepted;
  sockaddr_storage local;
  socklen_t llen = sizeof local;
  if (getsockname(conn, reinterpret_cast<sockaddr*>(&local), &llen) < 0) {
    ++counters_.connections.failed;
    log_conn_error("getsockname: %s; connection reset", std::strerror(errno));
    reset_connection(conn);
    return;
  }
  dispatch(conn, reinterpret_cast<const sockaddr*>(&local), peer);
}

void Dispatcher::handed_off(int conn, std::uint32_t target, const tbl::Tuple& t, int err) noexcept {
  if (err != 0) {
    route(conn, t);  // the queue says no while this runs: sent at once
    return;
  }
  if (TargetCounters* tc = active_.counters[target]) ++tc->sent;
  ++counters_.connections.dispatched;
}

Dispatcher::Drain Dispatcher::drain() noexcept {
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    // Not SOCK_NONBLOCK: the flag lives on the open file description, which
    // the receiver shares; it gets a blocking socket as from a plain accept()
    // (what `sshd -i` and friends expect). sbd never reads or writes it.
    const int conn = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EAGAIN) return Drain::Empty;
      if (accept_failed(errno)) continue;
      return Drain::BackOff;
    }
    accepted(conn, reinterpret_cast<const sockaddr*>(&peer));
  }
  return Drain::Empty;
}

}  // namespace socketbox::daemon
