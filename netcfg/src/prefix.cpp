// Prefix: parsing and printing of IPv6/IPv4 prefixes ("addr/len" or "addr").
#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <string>

#include "socketbox/netcfg/model.hpp"

namespace socketbox::netcfg {

std::optional<Prefix> Prefix::parse(std::string_view text) {
  Prefix p;
  std::string_view addr_text = text;
  std::optional<unsigned> len;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    std::string_view len_text = text.substr(slash + 1);
    unsigned v = 0;
    if (len_text.empty() || len_text.size() > 3) return std::nullopt;
    auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), v);
    if (ec != std::errc() || end != len_text.data() + len_text.size()) return std::nullopt;
    len = v;
  }
  if (addr_text.empty() || addr_text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string addr(addr_text);  // inet_pton wants a terminated string
  unsigned max_len = 0;
  if (addr.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, addr.c_str(), p.addr.data()) != 1) return std::nullopt;
    p.family = AF_INET6;
    max_len = 128;
  } else {
    if (inet_pton(AF_INET, addr.c_str(), p.addr.data()) != 1) return std::nullopt;
    p.family = AF_INET;
    max_len = 32;
  }
  unsigned l = len.value_or(max_len);
  if (l > max_len) return std::nullopt;
  p.len = static_cast<std::uint8_t>(l);
  // Host bits must be zero: "192.0.2.1/24" is a typo, not a prefix.
  for (unsigned bit = l; bit < max_len; ++bit) {
    if (p.addr[bit / 8] & (0x80u >> (bit % 8))) return std::nullopt;
  }
  return p;
}

std::string Prefix::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family != AF_INET && family != AF_INET6) return "<invalid>";
  inet_ntop(family, addr.data(), buf, sizeof buf);
  std::string out = buf;
  // A full-length prefix is printed as a bare address, as ip(8) and nft do.
  if (len != (family == AF_INET6 ? 128 : 32)) out += "/" + std::to_string(len);
  return out;
}

}  // namespace socketbox::netcfg
