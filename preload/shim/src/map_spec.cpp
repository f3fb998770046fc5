#include "socketbox/preload/map_spec.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace socketbox::preload {
namespace {

bool parse_port(const char* p, size_t n, in_port_t& port) noexcept {
  if (n == 0 || n > 5) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(p[i] - '0');
  }
  if (v == 0 || v > 65535) return false;
  port = htons(static_cast<uint16_t>(v));
  return true;
}

bool fail(const char** error, const char* what) noexcept {
  *error = what;
  return false;
}

}  // namespace

bool parse_map(const char* text, size_t n, MapSpec& out, const char** error) noexcept {
  std::memset(&out, 0, sizeof out);
  const char* eq = static_cast<const char*>(std::memchr(text, '=', n));
  if (eq == nullptr) return fail(error, "expected ADDR:PORT=PATH");
  size_t left = static_cast<size_t>(eq - text);
  const char* path = eq + 1;
  size_t path_len = n - left - 1;

  // ADDR:PORT, the port after the last colon; IPv6 addresses in brackets.
  const char* colon = nullptr;
  for (size_t i = left; i > 0; --i)
    if (text[i - 1] == ':') {
      colon = text + i - 1;
      break;
    }
  if (colon == nullptr) return fail(error, "expected ADDR:PORT before '='");
  in_port_t port = 0;
  if (!parse_port(colon + 1, static_cast<size_t>(eq - colon - 1), port))
    return fail(error, "port must be a number from 1 to 65535");
  size_t addr_len = static_cast<size_t>(colon - text);
  char addr[INET6_ADDRSTRLEN + 2];
  if (addr_len == 0) return fail(error, "missing address (use [::] or 0.0.0.0 for any)");
  if (addr_len >= sizeof addr)
    return fail(error, "address is not an IPv4 address or a bracketed IPv6 address");
  std::memcpy(addr, text, addr_len);
  addr[addr_len] = '\0';
  if (addr[0] == '[') {
    if (addr_len < 3 || addr[addr_len - 1] != ']')
      return fail(error, "IPv6 address must be in brackets: [ADDR]:PORT");
    addr[addr_len - 1] = '\0';
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
    if (inet_pton(AF_INET6, addr + 1, &a6->sin6_addr) != 1)
      return fail(error, "invalid IPv6 address");
    a6->sin6_family = AF_INET6;
    a6->sin6_port = port;
    out.addr_len = sizeof(sockaddr_in6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&out.addr);
    if (inet_pton(AF_INET, addr, &a4->sin_addr) != 1)
      return fail(error, "address is not an IPv4 address or a bracketed IPv6 address");
    a4->sin_family = AF_INET;
    a4->sin_port = port;
    out.addr_len = sizeof(sockaddr_in);
  }

  if (path_len == 0) return fail(error, "missing socket path after '='");
  if (path[0] != '/') return fail(error, "socket path must be absolute");
  if (path_len > kMaxPath) return fail(error, "socket path is longer than 107 bytes");
  if (std::memchr(path, '\0', path_len) != nullptr)
    return fail(error, "socket path contains a NUL byte");
  std::memcpy(out.path, path, path_len);
  out.path[path_len] = '\0';
  return true;
}

bool parse_map_list(const char* text, MapSpec* out, int cap, int& count, char* err, size_t errcap,
                    bool unique_paths) noexcept {
  count = 0;
  int entry = 0;
  const char* p = text;
  while (*p != '\0') {
    const char* end = std::strchr(p, '\n');
    size_t n = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (n > 0) {
      ++entry;
      const char* why = nullptr;
      if (count == cap) {
        std::snprintf(err, errcap, "more than %d mappings", cap);
        return false;
      }
      if (!parse_map(p, n, out[count], &why)) {
        std::snprintf(err, errcap, "mapping %d '%.*s': %s", entry,
                      static_cast<int>(n < 200 ? n : 200), p, why);
        return false;
      }
      for (int i = 0; i < count; ++i) {
        if (out[i].addr_len == out[count].addr_len &&
            std::memcmp(&out[i].addr, &out[count].addr, out[i].addr_len) == 0) {
          std::snprintf(err, errcap, "mapping %d '%.*s': address and port mapped twice", entry,
                        static_cast<int>(n < 200 ? n : 200), p);
          return false;
        }
        if (unique_paths && std::strcmp(out[i].path, out[count].path) == 0) {
          std::snprintf(err, errcap, "mapping %d '%.*s': socket path used twice", entry,
                        static_cast<int>(n < 200 ? n : 200), p);
          return false;
        }
      }
      ++count;
    }
    if (end == nullptr) break;
    p = end + 1;
  }
  return true;
}

bool map_matches(const MapSpec& map, const sockaddr* addr, socklen_t len) noexcept {
  if (addr == nullptr || len < sizeof(sa_family_t) || addr->sa_family != map.addr.ss_family)
    return false;
  if (addr->sa_family == AF_INET6) {
    if (len < sizeof(sockaddr_in6)) return false;
    auto* want = reinterpret_cast<const sockaddr_in6*>(&map.addr);
    auto* got = reinterpret_cast<const sockaddr_in6*>(addr);
    return want->sin6_port == got->sin6_port &&
           std::memcmp(&want->sin6_addr, &got->sin6_addr, sizeof want->sin6_addr) == 0;
  }
  if (addr->sa_family == AF_INET) {
    if (len < sizeof(sockaddr_in)) return false;
    auto* want = reinterpret_cast<const sockaddr_in*>(&map.addr);
    auto* got = reinterpret_cast<const sockaddr_in*>(addr);
    return want->sin_port == got->sin_port && want->sin_addr.s_addr == got->sin_addr.s_addr;
  }
  return false;
}

bool connect_matches(const MapSpec& map, const sockaddr* addr, socklen_t len) noexcept {
  if (map_matches(map, addr, len)) return true;
  if (map.addr.ss_family != AF_INET || addr == nullptr || len < sizeof(sockaddr_in6) ||
      addr->sa_family != AF_INET6)
    return false;
  auto* want = reinterpret_cast<const sockaddr_in*>(&map.addr);
  auto* got = reinterpret_cast<const sockaddr_in6*>(addr);
  return want->sin_port == got->sin6_port && IN6_IS_ADDR_V4MAPPED(&got->sin6_addr) &&
         std::memcmp(&got->sin6_addr.s6_addr[12], &want->sin_addr, 4) == 0;
}

void format_address(const sockaddr* addr, char* buf, size_t cap) noexcept {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (addr->sa_family == AF_INET6) {
    auto* a6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
    port = ntohs(a6->sin6_port);
    std::snprintf(buf, cap, "[%s]:%u", host, port);
  } else if (addr->sa_family == AF_INET) {
    auto* a4 = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
    port = ntohs(a4->sin_port);
    std::snprintf(buf, cap, "%s:%u", host, port);
  } else {
    std::snprintf(buf, cap, "(family %d)", addr->sa_family);
  }
}

}  // namespace socketbox::preload
