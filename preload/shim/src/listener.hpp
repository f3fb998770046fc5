// Listener mode (sb-preload --listener): the server's endpoint becomes the
// listening TCP socket sbd sends to its path, so it accepts natively.
#pragma once

namespace socketbox::preload {

// For endpoint fd of listener mapping map: waits (g_config.listener_wait
// seconds at most) on it for the listening socket, installs it under fd's
// number keeping fd's O_NONBLOCK and FD_CLOEXEC, listen()s it again with
// backlog (unless backlog < 0), forgets the endpoint and keeps the receiving
// socket open out of sight (keep_hidden_receiver). 0, or -1 with errno:
// EADDRNOTAVAIL (and one line on stderr) when nothing arrived in time.
int take_listener(int fd, int map, int backlog) noexcept;

}  // namespace socketbox::preload
