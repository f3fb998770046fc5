#include "listener_holder.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "log.hpp"
#include "socketbox/systemd.hpp"

namespace socketbox::daemon {

namespace {

// The network namespace a socket lives in (SO_NETNS_COOKIE, Linux 5.14);
// 0 when the kernel cannot say.
std::uint64_t netns_cookie(int fd) noexcept {
  std::uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0) return 0;
  return cookie;
}

}  // namespace

std::uint16_t check_listening_socket(int fd, std::string& error, int same_netns_as) {
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) < 0) {
    error = "the descriptor attached is not a socket";
    return 0;
  }
  if (v != SOCK_STREAM) {
    error = "the socket attached is not a stream socket";
    return 0;
  }
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0 || v != AF_INET6) {
    error = "the socket attached is not an IPv6 (AF_INET6) socket";
    return 0;
  }
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) < 0 || v != IPPROTO_TCP) {
    error = "the socket attached is not a TCP socket";
    return 0;
  }
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0 || v != 1) {
    error = "the socket attached is not listening (SO_ACCEPTCONN is 0)";
    return 0;
  }
  sockaddr_in6 sa{};
  len = sizeof sa;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) < 0 || sa.sin6_family != AF_INET6 ||
      ntohs(sa.sin6_port) == 0) {
    error = "the socket attached is not bound to a port";
    return 0;
  }
  // nft's TPROXY hands connections only to a transparent socket; setting it
  // takes CAP_NET_ADMIN or CAP_NET_RAW, as sbctl has.
  len = sizeof v;
  if (getsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &v, &len) < 0 || v != 1) {
    error =
        "the socket attached is not transparent (IPV6_TRANSPARENT): TPROXY cannot hand it "
        "connections";
    return 0;
  }
  // The router's namespace, where sbd's own socket is: a socket made in any
  // other (a container's, where its root may set IPV6_TRANSPARENT) would
  // take none of the route's connections.
  if (same_netns_as >= 0) {
    const std::uint64_t want = netns_cookie(same_netns_as), got = netns_cookie(fd);
    if (want != 0 && got != want) {
      error =
          "the socket attached is in another network namespace than sbd's own listening "
          "socket";
      return 0;
    }
  }
  return ntohs(sa.sin6_port);
}

ListenerResult ListenerHolder::take(UniqueFd fd, std::uint64_t now_ms) {
  ListenerResult r;
  const std::uint16_t port = check_listening_socket(fd.get(), r.error, netns_of_);
  if (port == 0) return r;
  const auto it = held_.find(port);
  if (it == held_.end() && held_.size() >= kMaxHeld) {
    r.error =
        "sbd holds " + std::to_string(kMaxHeld) + " listening sockets already, the most it takes";
    return r;
  }
  // MSG_CMSG_CLOEXEC has made it close-on-exec; make sure whatever sent it.
  fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
  if (it != held_.end()) {
    log_line("listener %u: a new socket replaces the one held", static_cast<unsigned>(port));
    unstore(port);  // both would come back under one name
    it->second = std::move(fd);
  } else {
    log_line("listener %u: holding the socket", static_cast<unsigned>(port));
    held_.emplace(port, std::move(fd));
  }
  store(port, held_[port].get());
  for (Line& l : lines_) {
    if (l.port != port) continue;
    l.due = true;  // a new socket: its server has not got it, whatever the path
    l.next_try_ms = 0;
  }
  deliver_due(now_ms);
  r.port = port;
  return r;
}

std::string ListenerHolder::store_name(std::uint16_t port, const FileId* sent) {
  char name[160];
  if (sent == nullptr)
    std::snprintf(name, sizeof name, "listener-%u", static_cast<unsigned>(port));
  else
    std::snprintf(name, sizeof name, "listener-%u.d%llu.i%llu.c%ld.%ld",
                  static_cast<unsigned>(port), static_cast<unsigned long long>(sent->dev),
                  static_cast<unsigned long long>(sent->ino), sent->ctime_s, sent->ctime_ns);
  return name;
}

std::uint16_t ListenerHolder::parse_store_name(const std::string& name, FileId& sent,
                                               bool& have_sent) {
  unsigned port = 0;
  unsigned long long dev = 0, ino = 0;
  long cs = 0, cns = 0;
  int end = 0;
  have_sent = false;
  if (std::sscanf(name.c_str(), "listener-%u.d%llu.i%llu.c%ld.%ld%n", &port, &dev, &ino, &cs, &cns,
                  &end) == 5 &&
      static_cast<std::size_t>(end) == name.size()) {
    sent = {static_cast<dev_t>(dev), static_cast<ino_t>(ino), cs, cns};
    have_sent = true;
  } else if (std::sscanf(name.c_str(), "listener-%u%n", &port, &end) != 1 ||
             static_cast<std::size_t>(end) != name.size()) {
    return 0;
  }
  return port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

std::string ListenerHolder::adopt(UniqueFd fd, const std::string& name) {
  std::string error;
  const std::uint16_t port = check_listening_socket(fd.get(), error, netns_of_);
  if (port != 0 && held_.size() >= kMaxHeld && held_.find(port) == held_.end())
    error = "more than " + std::to_string(kMaxHeld) + " listening sockets";
  FileId sent;
  bool have_sent = false;
  const std::uint16_t named = parse_store_name(name, sent, have_sent);
  if (port != 0 && error.empty() && named != port)
    log_line("%s from systemd's fd store is bound to port %u; held for that port", name.c_str(),
             static_cast<unsigned>(port));
  if (port == 0 || !error.empty()) {
    if (fd_store_) {
      char msg[160];
      const int n = std::snprintf(msg, sizeof msg, "FDSTOREREMOVE=1\nFDNAME=%s", name.c_str());
      if (n > 0 && static_cast<std::size_t>(n) < sizeof msg)
        systemd::notify({msg, static_cast<std::size_t>(n)});
    }
    return error;
  }
  const auto it = held_.find(port);
  if (it != held_.end()) {
    it->second = std::move(fd);  // two under one port: the later one
    unstore(port);
  } else {
    held_.emplace(port, std::move(fd));
  }
  stored_as_[port] = name;
  if (have_sent && named == port)
    sent_before_[port] = sent;
  else
    sent_before_.erase(port);
  log_line("listener %u: holding the socket systemd kept (%s)", static_cast<unsigned>(port),
           name.c_str());
  return {};
}

void ListenerHolder::set_table(const std::vector<socketbox::table::ListenerEntry>& lines,
                               std::uint64_t now_ms) {
  std::vector<Line> next;
  next.reserve(lines.size());
  for (const auto& e : lines) {
    const auto old = std::find_if(lines_.begin(), lines_.end(), [&](const Line& l) {
      return l.port == e.port && l.path == e.path;
    });
    if (old != lines_.end()) {
      next.push_back(std::move(*old));
    } else {
      Line l;
      l.port = e.port;
      l.path = e.path;
      // Sent before sbd restarted: again only if the file there changed,
      // which tick() sees as for any line.
      if (const auto b = sent_before_.find(e.port); b != sent_before_.end()) {
        l.due = false;
        l.sent_once = true;
        l.sent_to = b->second;
      }
      next.push_back(std::move(l));
    }
  }
  sent_before_.clear();
  lines_ = std::move(next);
  for (auto it = held_.begin(); it != held_.end();) {
    const std::uint16_t port = it->first;
    if (std::any_of(lines_.begin(), lines_.end(), [&](const Line& l) { return l.port == port; })) {
      ++it;
      continue;
    }
    log_line("listener %u: no table line names it; closing the socket held",
             static_cast<unsigned>(port));
    unstore(port);
    it = held_.erase(it);
  }
  deliver_due(now_ms);
}

bool ListenerHolder::file_id(const std::string& path, FileId& out, int& err) noexcept {
  struct stat st {};
  if (stat(path.c_str(), &st) < 0) {
    err = errno;
    return false;
  }
  out = {st.st_dev, st.st_ino, static_cast<long>(st.st_ctim.tv_sec),
         static_cast<long>(st.st_ctim.tv_nsec)};
  return true;
}

void ListenerHolder::tick(std::uint64_t now_ms) {
  for (Line& l : lines_) {
    if (l.due || !l.sent_once || held_.find(l.port) == held_.end()) continue;
    FileId id;
    int err = 0;
    // Gone (the server stopped): nothing to send to until a socket is there.
    if (!file_id(l.path, id, err) || id == l.sent_to) continue;
    log_line("listener %u: %s was bound anew; sending the socket again",
             static_cast<unsigned>(l.port), l.path.c_str());
    l.due = true;
    l.next_try_ms = 0;
  }
  deliver_due(now_ms);
}

bool ListenerHolder::ticking() const noexcept {
  return std::any_of(lines_.begin(), lines_.end(),
                     [&](const Line& l) { return held_.find(l.port) != held_.end(); });
}

void ListenerHolder::start_sending(std::uint64_t now_ms) {
  sending_ = true;
  deliver_due(now_ms);
}

void ListenerHolder::deliver_due(std::uint64_t now_ms) {
  if (!sending_) return;  // due lines stay due
  for (Line& l : lines_) {
    if (!l.due || now_ms < l.next_try_ms) continue;
    const auto it = held_.find(l.port);
    if (it == held_.end()) continue;  // due once its socket arrives
    deliver(l, it->second.get(), now_ms);
  }
}

void ListenerHolder::deliver(Line& l, int fd, std::uint64_t now_ms) {
  // Which file is there before the send: should it be bound anew between
  // the two, the next tick sends once more rather than never.
  FileId id;
  int err = 0;
  const bool have_id = file_id(l.path, id, err);
  if (have_id) err = sender_.send_to_path(l.path.c_str(), l.path.size(), fd);
  if (err == 0) {
    l.due = false;
    l.sent_once = true;
    l.sent_to = id;
    ++l.delivered;
    // Record where it went, for the next sbd (a name cannot be changed in
    // place: systemd keeps a descriptor it already holds under its old one).
    unstore(l.port);
    store(l.port, fd, &l.sent_to);
    if (!l.last_error.empty())
      log_line("listener %u: sent to %s after %llu failed tries", static_cast<unsigned>(l.port),
               l.path.c_str(), static_cast<unsigned long long>(l.unlogged) + 1);
    else
      log_line("listener %u: sent to %s", static_cast<unsigned>(l.port), l.path.c_str());
    l.last_error.clear();
    l.logged_ms = 0;
    l.unlogged = 0;
    return;
  }
  l.last_error = std::strerror(err);
  l.next_try_ms = now_ms + kRetryMs;
  if (l.logged_ms == 0 || now_ms - l.logged_ms >= kLogEveryMs) {
    log_line(
        "listener %u: cannot send to %s: %s (%llu more failures since the last line; "
        "retrying every %llu ms)",
        static_cast<unsigned>(l.port), l.path.c_str(), l.last_error.c_str(),
        static_cast<unsigned long long>(l.unlogged), static_cast<unsigned long long>(kRetryMs));
    l.logged_ms = now_ms;
    l.unlogged = 0;
  } else {
    ++l.unlogged;
  }
}

std::vector<control::ListenerStatus> ListenerHolder::status() const {
  std::vector<control::ListenerStatus> out;
  out.reserve(lines_.size() + held_.size());
  for (const Line& l : lines_)
    out.push_back({l.port, l.path, held_.find(l.port) != held_.end(), l.delivered, l.last_error});
  for (const auto& [port, fd] : held_) {
    const std::uint16_t p = port;
    if (std::none_of(lines_.begin(), lines_.end(), [&](const Line& l) { return l.port == p; }))
      out.push_back({port, "", true, 0, ""});
  }
  return out;
}

int ListenerHolder::fd_of(std::uint16_t port) const noexcept {
  const auto it = held_.find(port);
  return it == held_.end() ? -1 : it->second.get();
}

void ListenerHolder::store(std::uint16_t port, int fd, const FileId* sent) {
  if (!fd_store_) return;
  const std::string name = store_name(port, sent);
  const std::string msg = "FDSTORE=1\nFDNAME=" + name;
  if (!systemd::notify_with_fds(msg, &fd, 1)) {
    log_line("listener %u: cannot keep the socket in systemd's fd store: %s",
             static_cast<unsigned>(port), std::strerror(errno));
    return;
  }
  stored_as_[port] = name;
}

void ListenerHolder::unstore(std::uint16_t port) {
  const auto it = stored_as_.find(port);
  if (!fd_store_ || it == stored_as_.end()) return;
  systemd::notify("FDSTOREREMOVE=1\nFDNAME=" + it->second);
  stored_as_.erase(it);
}

}  // namespace socketbox::daemon
