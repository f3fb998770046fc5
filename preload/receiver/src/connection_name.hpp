// The names that make a socketpair connection look like TCP. sb_connect
// binds both ends of its socketpair to abstract Unix names that spell an IP
// address and port: the end it hands to the server is named after the
// destination the client dialled (always IPv6, v4-mapped for IPv4, as sbd's
// connections are), the client's end after the client's (loopback) address
// in its socket's family. getsockname()/getpeername() on either end, in any
// process and across exec, read them back from the kernel, so the preload on
// both sides answers with IP addresses without keeping a table. Each end
// reports both addresses in the family of its own name.
//
//   "\0socketbox/tcp/<address>/<port>/<nonce>"   e.g. "@socketbox/tcp/::1/40123/9f0c..."
//
// The nonce only keeps two names in one network namespace apart. libc only;
// never allocates.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

namespace socketbox::receiver {

// Fills out with the name of inet (AF_INET or AF_INET6 with its port) and a
// fresh random nonce. Returns the length for bind(), or 0 (EAFNOSUPPORT).
socklen_t make_connection_name(const sockaddr* inet, sockaddr_un& out) noexcept;

// The address a connection name spells (out: AF_INET or AF_INET6, out_len
// its size), or false when name is not one (any other Unix address).
bool parse_connection_name(const sockaddr* name, socklen_t name_len, sockaddr_storage& out,
                           socklen_t& out_len) noexcept;

// fd's own address (peer false) or the other end's, in the family of fd's
// own name (v4-mapped <-> IPv4 as needed), read with the system calls
// themselves (no interposed libc function is called). False, errno
// preserved, when fd is not an end of such a connection.
bool connection_address(int fd, bool peer, sockaddr_storage& out, socklen_t& out_len) noexcept;

// An IPv4 address as v4-mapped IPv6 (with its port); others unchanged.
void to_v6(sockaddr_storage& a, socklen_t& len) noexcept;

}  // namespace socketbox::receiver
