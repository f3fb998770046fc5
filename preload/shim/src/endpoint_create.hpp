// Turning a server's TCP socket into a receiving endpoint at bind() time.
#pragma once

namespace socketbox::preload {

// Replaces fd (keeping its number, O_NONBLOCK and FD_CLOEXEC) with a datagram
// socket bound at mapping map's path. 0, or -1 with errno and one line on
// stderr naming the path and the reason.
int create_endpoint(int fd, int map) noexcept;

// Gives endpoint fd its requeue socket (see endpoints.hpp), if the path can
// be connected to. Silent on failure.
void connect_requeue_socket(int fd, int map) noexcept;

}  // namespace socketbox::preload
