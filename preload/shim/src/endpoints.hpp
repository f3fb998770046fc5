// Which fds of this process are receiving endpoints, and the sockets queued
// for each. A fixed table (no allocation); lookups are lock-free scans of
// atomics so close() on ordinary fds stays cheap, changes take a mutex that
// is held across fork() so a child never inherits it locked.
#pragma once

namespace socketbox::preload {

constexpr int kMaxEndpoints = 64;
constexpr int kQueueCapacity = 64;
constexpr int kTokenSize = 16;

struct EndpointInfo {
  int map = -1;  // index into g_config.maps
  bool listening = false;
};

void install_fork_handlers() noexcept;

bool is_endpoint(int fd) noexcept;
bool endpoint_info(int fd, EndpointInfo& out) noexcept;
// False when the table is full.
bool add_endpoint(int fd, int map, bool listening) noexcept;
void set_listening(int fd) noexcept;

// Queued sockets (from datagrams with several), in arrival order.
int pop_queued(int fd) noexcept;              // -1 if none
bool push_queued(int fd, int conn) noexcept;  // false if full

// The socket that re-sends extra connections to the endpoint: connected to
// its path while the server still could (at bind, before dropping
// privileges), so nginx workers running as nobody can use it. Verified by
// inode before use, since the server may have closed and reused the number.
// requeue_socket returns -1 if there is none (yet).
int requeue_socket(int fd) noexcept;
// Stores sock (takes ownership); false (and sock closed) if fd has one.
bool set_requeue_socket(int fd, int sock) noexcept;

// The endpoint's secret: the payload of the datagrams this process (and its
// forks) re-send to the endpoint, so that --require-uid trusts them and
// nothing else. False if fd is not an endpoint.
bool endpoint_token(int fd, unsigned char (&out)[kTokenSize]) noexcept;

// The fd no longer is an endpoint (closed or replaced): drop its entry and
// close what was queued for it.
void forget_endpoint(int fd) noexcept;
// Same for every endpoint with first <= fd <= last.
void forget_range(unsigned first, unsigned last) noexcept;

// Listener mode: the receiving socket of mapping map, kept open (at a high
// close-on-exec number the server does not know) after listen() installed
// the listening socket in its place, so that its path stays bound while the
// server runs. Takes ownership of sock; an older one of the mapping (if still
// ours, checked by inode) is closed.
void keep_hidden_receiver(int map, int sock) noexcept;
// Closes mapping map's hidden receiving socket, if it still is ours: before
// the mapping's path is bound anew.
void close_hidden_receiver(int map) noexcept;

}  // namespace socketbox::preload
