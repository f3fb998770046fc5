#include "probe/probe_spec.hpp"

#include <charconv>

namespace socketbox::sbctl {

std::optional<ProbeSpec> parse_probe(std::string_view text, std::string& error) {
  const std::string quoted = "--probe '" + std::string(text) + "': ";
  ProbeSpec p;
  std::string_view rest = text;
  // The namespace: after the last '@' (addresses and ports hold none).
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    p.netns = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (p.netns.empty() || p.netns.find('/') != std::string::npos || p.netns == "." ||
        p.netns == "..") {
      error = quoted + "'" + p.netns + "' is not a network namespace name (as in /run/netns/NAME)";
      return std::nullopt;
    }
  }
  std::string_view addr, port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      error = quoted + "'[' without ']': write [IPV6]:PORT";
      return std::nullopt;
    }
    addr = rest.substr(1, close - 1);
    if (close + 1 >= rest.size() || rest[close + 1] != ':') {
      error = quoted + "no port after ']': write [IPV6]:PORT";
      return std::nullopt;
    }
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) {
      error = quoted + "no port: write [IPV6]:PORT or A.B.C.D:PORT";
      return std::nullopt;
    }
    if (rest.find(':', colon + 1) != std::string_view::npos) {
      error = quoted + "an IPv6 address needs brackets: [IPV6]:PORT";
      return std::nullopt;
    }
    addr = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    p.v4 = true;
  }
  const auto a = table::parse_addr(addr);
  // A bracketed address must be IPv6 and a bare one IPv4: "[192.0.2.1]:80"
  // and the like are typos, not something to guess at.
  if (!a || (p.v4 && addr.find('.') == std::string_view::npos) ||
      (!p.v4 && addr.find(':') == std::string_view::npos)) {
    error =
        quoted + "'" + std::string(addr) + "' is not an " + (p.v4 ? "IPv4" : "IPv6") + " address";
    return std::nullopt;
  }
  p.addr = *a;
  unsigned n = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || n == 0 ||
      n > 65535) {
    error = quoted + "'" + std::string(port) + "' is not a port number from 1 to 65535";
    return std::nullopt;
  }
  p.port = static_cast<std::uint16_t>(n);
  return p;
}

std::string probe_label(const ProbeSpec& p) {
  const std::string a = p.v4 ? net::format_addr_plain(p.addr) : net::format_addr(p.addr);
  std::string s = p.v4 ? a : "[" + a + "]";
  s += ":" + std::to_string(p.port);
  if (!p.netns.empty()) s += "@" + p.netns;
  return s;
}

}  // namespace socketbox::sbctl
