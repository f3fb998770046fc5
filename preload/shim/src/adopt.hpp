// Recognising endpoints this process did not create itself: ones inherited
// across exec (sshd's SIGHUP re-exec, nginx's binary upgrade) or copied with
// dup(). Such an fd is an AF_UNIX datagram socket bound at a mapped path.
#pragma once

#include <sys/socket.h>

namespace socketbox::preload {

// The mapping index of endpoint fd (known or adopted now), or -1. Costs a
// getsockname and getsockopt for an fd not yet known, so callers only ask
// when the real call's result already hints at a datagram socket.
int endpoint_map(int fd) noexcept;

// Same, when the caller already has fd's real local address.
int adopt_if_endpoint(int fd, const sockaddr* local, socklen_t len) noexcept;

}  // namespace socketbox::preload
