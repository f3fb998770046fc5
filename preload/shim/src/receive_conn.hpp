// Taking one connection off an endpoint for accept().
#pragma once

#include <sys/socket.h>

namespace socketbox::preload {

// One received connection socket (close-on-exec) for endpoint fd of mapping
// map: a queued one first, else the next datagram (blocking or not as the
// endpoint is). Extra sockets of a multi-fd datagram are sent back to the
// endpoint itself, one per datagram, so poll/epoll keep reporting it
// readable exactly while a connection waits; if that fails they wait in the
// endpoint's in-process queue. -1 with errno (EAGAIN, EINTR, ...).
int receive_connection(int fd, int map) noexcept;

// accept()'s address: the peer of conn, in the endpoint's family (an IPv4
// endpoint gets AF_INET for a v4-mapped peer). Truncates like accept().
void fill_peer_address(int conn, int map, sockaddr* addr, socklen_t* len) noexcept;

}  // namespace socketbox::preload
