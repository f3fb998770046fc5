// Outbound connects (--connect): a connect() to a mapped address becomes a
// socketpair whose other end went to the server's receiving socket (see
// sb_connect in receiver.h). The fd then is an AF_UNIX stream socket named
// so (connection_name.hpp) that the hooks answer like a connected TCP socket.
#pragma once

#include <sys/socket.h>

namespace socketbox::preload {

// Index of the connect mapping addr dials, or -1.
int connect_mapping_for(const sockaddr* addr, socklen_t len) noexcept;

// Replaces TCP socket fd (keeping its number, O_NONBLOCK and FD_CLOEXEC) with
// a connection to mapping index's server. 0, or -1 with connect()'s errno.
int outbound_connect(int fd, int index, const sockaddr* addr, socklen_t len) noexcept;

// For an fd that is such a connection (either end, any process): true, and
// the IP family it stands for. Costs one getsockname; errno preserved.
bool outbound_family(int fd, int& family) noexcept;

}  // namespace socketbox::preload
