// The shape of the socketbox nft table, shared by the builder, the reader
// and the text renderer so that the three agree by construction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace socketbox::netcfg::layout {

inline constexpr const char* kChain = "prerouting";
inline constexpr const char* kChainType = "filter";
inline constexpr int kChainPriority =
    -150;  // "mangle": before conntrack's own routing decisions matter
inline constexpr const char* kLoopback = "lo";
// ct state new as the kernel's state bit (NF_CT_STATE_BIT(IP_CT_NEW)).
inline constexpr std::uint32_t kCtStateNew = 1u << 3;

// The first `bits` bits set, over `len` bytes: a source prefix mask.
inline std::array<std::uint8_t, 16> prefix_mask(unsigned bits, unsigned len) {
  std::array<std::uint8_t, 16> m{};
  for (unsigned i = 0; i < len && i < 16; ++i) {
    const unsigned b = bits > i * 8 ? bits - i * 8 : 0;
    m[i] = b >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - b));
  }
  return m;
}

// Set names per steer block N: sN6 (ipv6_addr), sN4 (ipv4_addr), sNp
// (inet_service), and the dynamic sets of its per-source limits: sNc6, sNc4
// (connection counts), sNr6, sNr4 (rates).
enum class SetKind { V6, V4, Ports, ConnV6, ConnV4, RateV6, RateV4 };

// Dynamic sets: one element per source prefix, made by the rules themselves.
inline constexpr std::uint32_t kLimitSetSize = 65535;

inline bool is_limit_set(SetKind kind) {
  return kind != SetKind::V6 && kind != SetKind::V4 && kind != SetKind::Ports;
}

inline std::string set_name(std::size_t steer, SetKind kind) {
  const char* suffix = "";
  switch (kind) {
    case SetKind::V6:
      suffix = "6";
      break;
    case SetKind::V4:
      suffix = "4";
      break;
    case SetKind::Ports:
      suffix = "p";
      break;
    case SetKind::ConnV6:
      suffix = "c6";
      break;
    case SetKind::ConnV4:
      suffix = "c4";
      break;
    case SetKind::RateV6:
      suffix = "r6";
      break;
    case SetKind::RateV4:
      suffix = "r4";
      break;
  }
  return "s" + std::to_string(steer) + suffix;
}

// A rate set's element outlives the rate's unit, so an idle source's token
// bucket is not forgotten (and refilled) too early.
inline std::uint64_t rate_timeout_ms(std::uint32_t rate_unit) {
  const std::uint64_t twice = 2ULL * rate_unit;
  return (twice < 60 ? 60 : twice) * 1000;
}

struct SetRef {
  std::size_t steer;
  SetKind kind;
};

// The inverse of set_name(); nullopt for a name netcfg does not make.
inline std::optional<SetRef> parse_set_name(const std::string& name) {
  if (name.size() < 3 || name[0] != 's') return std::nullopt;
  const char suffix = name.back();
  const char before = name[name.size() - 2];
  const bool limit = before == 'c' || before == 'r';
  const std::size_t suffix_len = limit ? 2 : 1;
  if (name.size() < 2 + suffix_len) return std::nullopt;
  SetKind kind;
  if (suffix == '6')
    kind = !limit ? SetKind::V6 : before == 'c' ? SetKind::ConnV6 : SetKind::RateV6;
  else if (suffix == '4')
    kind = !limit ? SetKind::V4 : before == 'c' ? SetKind::ConnV4 : SetKind::RateV4;
  else if (suffix == 'p' && !limit)
    kind = SetKind::Ports;
  else
    return std::nullopt;
  std::size_t n = 0;
  const std::size_t digits_end = name.size() - suffix_len;
  for (std::size_t i = 1; i < digits_end; ++i) {
    if (name[i] < '0' || name[i] > '9' || (i == 1 && name[i] == '0' && digits_end > 2))
      return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(name[i] - '0');
    if (n > 100000) return std::nullopt;
  }
  return SetRef{n, kind};
}

}  // namespace socketbox::netcfg::layout
