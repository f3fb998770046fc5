#include "socketbox/net/prefix.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace socketbox::net {
namespace {

// A prefix length: digits only, at most three of them ("/0024" is a typo).
bool parse_len(std::string_view s, unsigned max, unsigned& out) {
  if (s.empty() || s.size() > 3) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

}  // namespace

Prefix Prefix::of(const Addr& a, int length) noexcept {
  Prefix p;
  p.len = length;
  p.addr = a & p.mask();
  return p;
}

std::optional<Prefix> Prefix::parse(std::string_view text, std::string& error) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::string_view addr_text = text;
  std::optional<std::string_view> len_text;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    len_text = text.substr(slash + 1);
  }
  // The family is the one written: a dotted quad has its own lengths.
  const bool v4 = addr_text.find(':') == std::string_view::npos;
  const auto a = parse_addr(addr_text);
  if (!a) {
    error = quoted + " is not an " + std::string(v4 ? "IPv4" : "IPv6") + " address or prefix";
    if (addr_text.empty()) error = "empty address";
    return std::nullopt;
  }
  const unsigned max = v4 ? 32 : 128;
  unsigned len = max;
  if (len_text && !parse_len(*len_text, max, len)) {
    error = "prefix length in " + quoted + " must be 0 to " + std::to_string(max);
    return std::nullopt;
  }
  const Prefix p = of(*a, static_cast<int>(len) + (v4 ? 96 : 0));
  if (p.addr != *a) {
    error = quoted + " has host bits set; the prefix is " + p.str();
    return std::nullopt;
  }
  return p;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  std::string ignored;
  return parse(text, ignored);
}

std::optional<Prefix> Prefix::from_kernel(int family, const std::uint8_t* bytes,
                                          unsigned native_len) {
  if (family == AF_INET6 && native_len <= 128) {
    in6_addr a{};
    std::memcpy(a.s6_addr, bytes, 16);
    return of(Addr::from_in6(a), static_cast<int>(native_len));
  }
  if (family == AF_INET && native_len <= 32) {
    in_addr a{};
    std::memcpy(&a, bytes, 4);
    return of(Addr::from_in4(a), static_cast<int>(native_len) + 96);
  }
  return std::nullopt;
}

KernelPrefix Prefix::kernel() const noexcept {
  KernelPrefix k;
  const in6_addr a = addr.to_in6();
  if (is_v4()) {
    k.family = AF_INET;
    std::memcpy(k.addr.data(), a.s6_addr + 12, 4);
  } else {
    k.family = AF_INET6;
    std::memcpy(k.addr.data(), a.s6_addr, 16);
  }
  k.len = static_cast<std::uint8_t>(native_len());
  return k;
}

int Prefix::family() const noexcept { return is_v4() ? AF_INET : AF_INET6; }

std::string Prefix::str() const {
  std::string a = is_v4() ? format_addr_plain(addr) : format_addr(addr);
  if (is_host()) return a;
  return a + "/" + std::to_string(native_len());
}

}  // namespace socketbox::net
