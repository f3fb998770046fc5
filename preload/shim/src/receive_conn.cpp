#include "receive_conn.hpp"

#include <netinet/in.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "config.hpp"
#include "connection_name.hpp"
#include "endpoint_create.hpp"
#include "endpoints.hpp"
#include "log.hpp"
#include "real.hpp"
#include "socketbox/receiver.h"

namespace socketbox::preload {
namespace {

std::atomic<unsigned> g_reports{0};

// Rejections mean a misconfigured or hostile sender: say so, but a flood of
// them must not flood the server's log.
void report_rejections(const sb_recv_stats& st, int map) noexcept {
  unsigned long bad = st.rejected_type + st.rejected_sender + st.truncated;
  if (bad == 0) return;
  unsigned n = g_reports.fetch_add(1, std::memory_order_relaxed);
  if (n >= 20) return;
  log_line(
      "%s: closed %lu socket(s) from a wrong sender, %lu not a stream socket, %lu truncated "
      "datagram(s)%s",
      g_config.maps[map].path, st.rejected_sender, st.rejected_type, st.truncated,
      n == 19 ? " (further reports suppressed)" : "");
}

void requeue(int fd, int map, int conn, const unsigned char (&token)[kTokenSize]) noexcept {
  int saved = errno;
  int sock = requeue_socket(fd);
  if (sock < 0) {
    // Inherited across exec: connect now (may be refused to an unprivileged
    // process; then the in-process queue is the fallback).
    connect_requeue_socket(fd, map);
    sock = requeue_socket(fd);
  }
  if (sock >= 0 && sb_send_fd_payload(sock, nullptr, conn, token, sizeof token) == 0) {
    real::close(conn);  // the datagram in flight holds its own reference
  } else if (!push_queued(fd, conn)) {
    real::close(conn);
    log_line("%s: queue full, dropped a connection", g_config.maps[map].path);
  }
  errno = saved;
}

}  // namespace

int receive_connection(int fd, int map) noexcept {
  int conn = pop_queued(fd);
  if (conn >= 0) return conn;
  // Our own re-sent extras carry the endpoint's token: trusted like sbd.
  unsigned char token[kTokenSize];
  if (!endpoint_token(fd, token)) {
    errno = EBADF;  // closed by another thread meanwhile
    return -1;
  }
  sb_recv_filter filter{g_config.check_uid ? 1 : 0, g_config.uid, token, sizeof token};
  for (;;) {
    int fds[SB_RECV_MAX_FDS];
    sb_recv_stats st{};
    int n = sb_recv_fds(fd, fds, SB_RECV_MAX_FDS, &filter, &st);
    report_rejections(st, map);
    if (n < 0) return -1;
    if (n == 0) continue;  // nothing usable in it: take the next one
    for (int i = 1; i < n; ++i) requeue(fd, map, fds[i], token);
    return fds[0];
  }
}

void fill_peer_address(int conn, int map, sockaddr* addr, socklen_t* len) noexcept {
  if (addr == nullptr || len == nullptr) return;
  int saved = errno;
  sa_family_t family = g_config.maps[map].addr.ss_family;
  sockaddr_storage peer{};
  socklen_t plen = sizeof peer;
  if (real::getpeername(conn, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) {
    // Reset before we got to it: accept() still returns it; say "nobody".
    peer = sockaddr_storage{};
    peer.ss_family = family;
    plen = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  } else if (peer.ss_family == AF_UNIX) {
    // An outbound connection from a box: the client's address it names.
    receiver::connection_address(conn, true, peer, plen);
  }
  if (family == AF_INET && peer.ss_family == AF_INET6) {
    auto* p6 = reinterpret_cast<sockaddr_in6*>(&peer);
    if (IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr)) {
      sockaddr_in p4{};
      p4.sin_family = AF_INET;
      p4.sin_port = p6->sin6_port;
      std::memcpy(&p4.sin_addr, &p6->sin6_addr.s6_addr[12], 4);
      peer = sockaddr_storage{};
      std::memcpy(&peer, &p4, sizeof p4);
      plen = sizeof p4;
    }
  }
  std::memcpy(addr, &peer, *len < plen ? *len : plen);
  *len = plen;
  errno = saved;
}

}  // namespace socketbox::preload
