// One mapping "ADDR:PORT=PATH" of sb-preload, and the lists of them that
// travel in SB_PRELOAD_MAP (--map), SB_PRELOAD_LISTENER (--listener) and
// SB_PRELOAD_CONNECT (--connect), entries separated by newlines. Parsing never
// allocates: the preload library parses inside foreign processes.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>

namespace socketbox::preload {

constexpr int kMaxMaps = 32;
constexpr size_t kMaxPath = sizeof(sockaddr_un{}.sun_path) - 1;

struct MapSpec {
  sockaddr_storage addr;  // AF_INET or AF_INET6, port set, all else zero
  socklen_t addr_len;
  char path[kMaxPath + 1];
};

// Parses one entry (not NUL-terminated, length n). On failure returns false
// and points *error at a static description.
bool parse_map(const char* text, size_t n, MapSpec& out, const char** error) noexcept;

// Parses a newline-separated list into out[0..cap). Blank lines are skipped.
// An address may appear once; with unique_paths (receiving endpoints) a path
// too. On failure writes one line (without newline) into err and returns
// false.
bool parse_map_list(const char* text, MapSpec* out, int cap, int& count, char* err, size_t errcap,
                    bool unique_paths = true) noexcept;

// True when a bind() to addr asks for exactly the mapping's address and port
// (same family; a wildcard mapping matches only a wildcard bind).
bool map_matches(const MapSpec& map, const sockaddr* addr, socklen_t len) noexcept;

// True when a connect() to addr dials exactly the mapping's address and
// port. An IPv4 mapping also matches its v4-mapped form (::ffff:a.b.c.d) on
// an IPv6 socket.
bool connect_matches(const MapSpec& map, const sockaddr* addr, socklen_t len) noexcept;

// "[2001:db8::1]:80" or "192.0.2.1:80"; always NUL-terminated.
void format_address(const sockaddr* addr, char* buf, size_t cap) noexcept;

}  // namespace socketbox::preload
