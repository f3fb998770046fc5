// Filling a sockaddr_un from a path, with the length check bind/sendto need.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

namespace socketbox::receiver {

// Returns the address length to pass to bind/sendto, or 0 with errno
// (ENAMETOOLONG, or EINVAL for an empty path).
socklen_t make_unix_address(const char* path, sockaddr_un& out) noexcept;

}  // namespace socketbox::receiver
