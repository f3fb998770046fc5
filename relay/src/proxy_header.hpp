// PROXY protocol headers (HAProxy's proxy-protocol.txt), v1 text and v2
// binary, written into a caller's fixed buffer: the relay's connection path
// allocates nothing. IPv4-mapped IPv6 addresses (sbd's dual-stack listener)
// are written as IPv4 when both ends are mapped, so the server logs
// 192.0.2.1 rather than ::ffff:192.0.2.1.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace socketbox::relay {

enum class ProxyVersion { kNone, kV1, kV2 };

// PP2 TLV types used here (proxy-protocol.txt, section 2.2).
inline constexpr std::uint8_t kPp2TypeNetns = 0x30;

// Longest header encode_proxy_header writes: v2 with two IPv6 addresses (16 +
// 36 bytes) and a netns TLV (3 + at most kMaxNetnsName bytes).
inline constexpr std::size_t kMaxNetnsName = 200;
inline constexpr std::size_t kMaxProxyHeader = 16 + 36 + 3 + kMaxNetnsName;

// Writes the header for a connection from `src` (the client) to `dst` (the
// address it connected to) into out[0..cap) and returns its length, or 0
// when cap is too small or netns is longer than kMaxNetnsName. src or dst
// null, or of a family other than AF_INET/AF_INET6, or of different
// families: v1 "PROXY UNKNOWN", v2 command PROXY with AF_UNSPEC (the server
// then uses the connection's own addresses). netns, when not empty, becomes
// a PP2_TYPE_NETNS TLV (v2 only; v1 has no place for it).
std::size_t encode_proxy_header(ProxyVersion v, const sockaddr* src, const sockaddr* dst,
                                std::string_view netns, unsigned char* out,
                                std::size_t cap) noexcept;

// "v1", "v2", "none"/"off"; false for anything else.
bool parse_proxy_version(std::string_view s, ProxyVersion& out) noexcept;
const char* proxy_version_name(ProxyVersion v) noexcept;

}  // namespace socketbox::relay
