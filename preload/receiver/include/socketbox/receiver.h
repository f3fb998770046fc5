/*
 * socketbox receiver: the receiving end of sbd's hand-off protocol.
 *
 * Wire protocol: the sender (sbd) sends each connection over an unconnected
 * AF_UNIX SOCK_DGRAM socket to the receiver's path as one datagram with at
 * least one byte of payload (sbd: a single NUL) and the connected socket in
 * an SCM_RIGHTS control message (sbd: exactly one fd per datagram, sent with
 * MSG_DONTWAIT|MSG_NOSIGNAL). Receivers accept several fds per datagram and
 * several SCM_RIGHTS messages, and close anything that is not a connected
 * stream socket of AF_INET, AF_INET6 or AF_UNIX.
 *
 * Every function returns -1 (or NULL) with errno set on failure and never
 * aborts; none of them throws. Thread-safety: the plain functions are safe to
 * call concurrently; one sb_receiver object must not be used by two threads
 * at once.
 */
#ifndef SOCKETBOX_RECEIVER_H
#define SOCKETBOX_RECEIVER_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The preload library embeds these functions hidden; it defines this empty. */
#ifndef SB_RECEIVER_API
#if defined(__GNUC__)
#define SB_RECEIVER_API __attribute__((visibility("default")))
#else
#define SB_RECEIVER_API
#endif
#endif

/* Most fds taken from one datagram; a datagram carrying more is truncated
 * (MSG_CTRUNC) and every fd of it that did arrive is closed. */
#define SB_RECV_MAX_FDS 64
/* Datagrams an sb_receiver reads per recvmmsg(2); it queues at most
 * SB_RECV_BATCH * SB_RECV_MAX_FDS sockets. */
#define SB_RECV_BATCH 16

/* Flags of sb_bind_receiver(). */
#define SB_BIND_NONBLOCK 0x1 /* receiving socket is O_NONBLOCK */
#define SB_BIND_CLOEXEC 0x2  /* receiving socket is FD_CLOEXEC */
#define SB_BIND_PASSCRED 0x4 /* SO_PASSCRED: needed to check the sender's uid */

/* Creates an AF_UNIX SOCK_DGRAM socket bound at path, mode 0660. A stale
 * socket file (nobody bound to it) is replaced; a live one gives EADDRINUSE,
 * an existing non-socket EEXIST, a path longer than sun_path ENAMETOOLONG.
 * Returns the fd, or -1 with errno. */
SB_RECEIVER_API int sb_bind_receiver(const char *path, int flags);

/* Who may send sockets. With check_uid set, only datagrams whose
 * SCM_CREDENTIALS name uid are accepted (the receiving socket needs
 * SO_PASSCRED), except that a datagram whose payload is exactly the
 * token_len bytes at token (if token_len > 0) is accepted from anyone: the
 * preload marks the datagrams it re-sends to itself with a secret token. */
typedef struct sb_recv_filter {
  int check_uid;
  uid_t uid;
  const unsigned char *token;
  size_t token_len;
} sb_recv_filter;

/* Counters, added to by every receive call. */
typedef struct sb_recv_stats {
  unsigned long received;        /* stream sockets handed out or queued */
  unsigned long rejected_type;   /* fds closed: not a connected stream socket of INET/INET6/UNIX */
  unsigned long rejected_sender; /* fds closed: wrong or missing sender credentials */
  unsigned long truncated;       /* datagrams with MSG_CTRUNC: all their fds closed */
} sb_recv_stats;

/* Receives one datagram on the receiving socket fd (blocking or not as the
 * socket is). Stores the accepted sockets (close-on-exec) in fds[0..max) and
 * returns how many; 0 means the datagram carried nothing usable (everything
 * in it was closed). max is at most SB_RECV_MAX_FDS. filter and stats may be
 * NULL. Returns -1 with errno (EAGAIN, EINTR, ...) on failure. */
SB_RECEIVER_API int sb_recv_fds(int fd, int *fds, int max, const sb_recv_filter *filter,
                                sb_recv_stats *stats);

/* Listener hand-off: for a route in listener mode sbd sends, once, a
 * listening TCP socket instead of connections, in the same wire format (one
 * datagram, one fd), and the server accepts on it natively from then on.
 * Waits up to timeout_ms (poll(2); negative: without limit, 0: only what
 * already waits) on the receiving socket fd (sb_bind_receiver; blocking or
 * not) for a datagram carrying a listening (SO_ACCEPTCONN) SOCK_STREAM TCP
 * socket of AF_INET or AF_INET6, and returns it with the flags accept4()
 * would give (SOCK_NONBLOCK, SOCK_CLOEXEC; see sb_apply_accept_flags; the
 * file status flag O_NONBLOCK is shared with the sender's copy of the
 * socket). Everything else received meanwhile (connections, other fds; extra
 * fds of the same datagram) is closed and skipped, and the wait goes on. No
 * sender filter (see sb_recv_filter): the receiving socket's file mode
 * decides who may send. Returns -1 with errno ETIMEDOUT when the time is up,
 * EINTR when a signal interrupted the wait (call again with the time left),
 * EINVAL for other flags, or the error of poll/recvmsg (EBADF, ENOTSOCK...). */
SB_RECEIVER_API int sb_recv_listener(int fd, int timeout_ms, int flags);

/* 1 if fd is a connected (not listening) SOCK_STREAM socket of AF_INET,
 * AF_INET6 or AF_UNIX, else 0. */
SB_RECEIVER_API int sb_is_acceptable_socket(int fd);

/* Gives a received socket the flags accept4() would: O_NONBLOCK set exactly
 * when SOCK_NONBLOCK is in flags, FD_CLOEXEC exactly when SOCK_CLOEXEC is.
 * Returns 0 or -1 with errno. */
SB_RECEIVER_API int sb_apply_accept_flags(int fd, int flags);

/* Sends fd to the receiver at path as sbd does: one NUL byte, one fd,
 * MSG_DONTWAIT|MSG_NOSIGNAL, from a temporary unbound socket. The caller
 * keeps (and still has to close) fd. Returns 0 or -1 with errno (ENOENT,
 * ECONNREFUSED for a stale path, EAGAIN for a full receiver, ...). */
SB_RECEIVER_API int sb_send_fd(const char *path, int fd);

/* Same, sending from the existing AF_UNIX SOCK_DGRAM socket sock; with path
 * NULL, sock must be connected to the receiver. */
SB_RECEIVER_API int sb_send_fd_on(int sock, const char *path, int fd);

/* Same with a payload of len (1..64) bytes of one's own instead of the NUL. */
SB_RECEIVER_API int sb_send_fd_payload(int sock, const char *path, int fd, const void *payload,
                                       size_t len);

/* Outbound connections: a client reaches a receiver without any network.
 * sb_connect makes an AF_UNIX SOCK_STREAM socketpair, sends one end to the
 * receiver at path exactly as sbd sends a connection (so every receiver,
 * sb-preload'ed servers included, accepts it as a new one) and returns the
 * other end, with O_NONBLOCK/FD_CLOEXEC as SOCK_NONBLOCK/SOCK_CLOEXEC in
 * flags say. dest (AF_INET or AF_INET6, with port) is the address the
 * connection stands for: the server's end is named after it and the
 * client's end after the client's address (loopback of dest's family, a
 * random port from 32768-60999), as abstract Unix names that
 * sb_connection_address (and the preload's getsockname/getpeername) read
 * back as IP addresses.
 * Errors: ECONNREFUSED when no receiver is bound at path (missing or stale
 * socket file), or its queue is full and SOCK_NONBLOCK is set; without it a
 * full queue is waited out (poll), up to 127 s (then ETIMEDOUT) or a signal
 * (EINTR). EACCES without write permission on the socket file,
 * ENAMETOOLONG, EAFNOSUPPORT/EINVAL for a bad dest. */
SB_RECEIVER_API int sb_connect(const char *path, const struct sockaddr *dest, socklen_t dest_len,
                               int flags);

/* Same, naming the client's end after local instead (a wildcard address
 * becomes loopback, port 0 a random port; NULL as in sb_connect). */
SB_RECEIVER_API int sb_connect_from(const char *path, const struct sockaddr *dest,
                                    socklen_t dest_len, const struct sockaddr *local,
                                    socklen_t local_len, int flags);

/* For either end of a connection made by sb_connect: the IP address it
 * stands for, fd's own (peer 0) or the other end's (peer 1). On the
 * server's end peer 1 is the client, 0 the destination the client dialled.
 * Truncates like getsockname. -1 with EINVAL when fd is not such a
 * connection (or the errno of getsockname/getpeername). */
SB_RECEIVER_API int sb_connection_address(int fd, int peer, struct sockaddr *addr, socklen_t *len);

/* A receiving endpoint with a queue for datagrams that carry several fds. */
typedef struct sb_receiver sb_receiver;

typedef struct sb_receiver_options {
  int nonblock;    /* receiving socket O_NONBLOCK */
  int require_uid; /* accept sockets only from sender uid `uid` */
  uid_t uid;
} sb_receiver_options;

/* Binds a receiving socket at path (see sb_bind_receiver; always
 * close-on-exec). opts may be NULL. Returns NULL with errno on failure. */
SB_RECEIVER_API sb_receiver *sb_receiver_open(const char *path, const sb_receiver_options *opts);

/* The receiving socket, for poll/epoll. It is readable while a datagram
 * waits; sockets already queued from a multi-fd datagram are counted by
 * sb_receiver_pending(): hand them out before sleeping again. */
SB_RECEIVER_API int sb_receiver_fd(const sb_receiver *r);

/* Returns one received socket with accept4()-style flags (SOCK_NONBLOCK,
 * SOCK_CLOEXEC; no other file status flag is set, as after accept4), from the
 * queue first. When the queue is empty it reads every datagram waiting, up to
 * 16 with one recvmmsg(2). -1 with errno EAGAIN when a non-blocking receiver
 * has nothing, or another receive error. */
SB_RECEIVER_API int sb_receiver_accept(sb_receiver *r, int flags);

/* Up to max received sockets at once, flags as sb_receiver_accept, into
 * fds[0..n): the queued ones, or else one recvmmsg(2) worth. Returns n; 0
 * when everything that arrived was rejected (call again). -1 with errno
 * (EAGAIN: nothing waits on a non-blocking receiver; EINVAL). With max at
 * least SB_RECV_BATCH * SB_RECV_MAX_FDS the queue is always left empty, so
 * poll/epoll on sb_receiver_fd() tells all there is; with single-descriptor
 * datagrams (sbd's), n < SB_RECV_BATCH means the socket was drained. */
SB_RECEIVER_API int sb_receiver_accept_batch(sb_receiver *r, int *fds, int max, int flags);

/* Listener hand-off at a receiving socket that also takes connections (as
 * sb-relay's do): with keep set, a listening TCP socket that arrives is kept
 * (the latest; one before it is closed) instead of rejected, until
 * sb_receiver_take_listener() hands it out with accept4()-style flags.
 * Checking costs no system call: call it after each receive. -1 with errno
 * EAGAIN when none arrived. */
SB_RECEIVER_API int sb_receiver_keep_listeners(sb_receiver *r, int keep);
SB_RECEIVER_API int sb_receiver_take_listener(sb_receiver *r, int flags);

SB_RECEIVER_API size_t sb_receiver_pending(const sb_receiver *r);
SB_RECEIVER_API const sb_recv_stats *sb_receiver_stats(const sb_receiver *r);

/* Closes the receiving socket and every queued fd. The socket file stays
 * (a later sb_bind_receiver replaces it). NULL is accepted. */
SB_RECEIVER_API void sb_receiver_close(sb_receiver *r);

#ifdef __cplusplus
}
#endif

#endif
