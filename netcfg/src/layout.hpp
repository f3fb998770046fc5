// The shape of the socketbox nft table, shared by the builder, the reader
// and the text renderer so that the three agree by construction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace socketbox::netcfg::layout {

inline constexpr const char* kChain = "prerouting";
inline constexpr const char* kChainType = "filter";
inline constexpr int kChainPriority =
    -150;  // "mangle": before conntrack's own routing decisions matter
inline constexpr const char* kLoopback = "lo";

// Set names per steer block N: sN6 (ipv6_addr), sN4 (ipv4_addr), sNp (inet_service).
enum class SetKind { V6, V4, Ports };

inline std::string set_name(std::size_t steer, SetKind kind) {
  const char suffix = kind == SetKind::V6 ? '6' : kind == SetKind::V4 ? '4' : 'p';
  return "s" + std::to_string(steer) + suffix;
}

struct SetRef {
  std::size_t steer;
  SetKind kind;
};

// The inverse of set_name(); nullopt for a name netcfg does not make.
inline std::optional<SetRef> parse_set_name(const std::string& name) {
  if (name.size() < 3 || name[0] != 's') return std::nullopt;
  const char suffix = name.back();
  SetKind kind;
  if (suffix == '6')
    kind = SetKind::V6;
  else if (suffix == '4')
    kind = SetKind::V4;
  else if (suffix == 'p')
    kind = SetKind::Ports;
  else
    return std::nullopt;
  std::size_t n = 0;
  for (std::size_t i = 1; i + 1 < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || (i == 1 && name[i] == '0' && name.size() > 3))
      return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(name[i] - '0');
    if (n > 100000) return std::nullopt;
  }
  return SetRef{n, kind};
}

}  // namespace socketbox::netcfg::layout
