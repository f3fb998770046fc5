#include "target.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstddef>
#include <cstring>

namespace socketbox::relay {
namespace {

bool parse_port(std::string_view s, std::uint16_t& port) {
  unsigned v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v == 0 || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

bool parse_tcp(std::string_view rest, Target& out, std::string& error) {
  std::string_view host, port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      error = "expected tcp:[IPV6]:PORT";
      return false;
    }
    host = rest.substr(1, close - 1);
    port_text = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      error = "expected tcp:HOST:PORT";
      return false;
    }
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      error = "an IPv6 address goes in brackets: tcp:[IPV6]:PORT";
      return false;
    }
  }
  std::uint16_t port = 0;
  if (!parse_port(port_text, port)) {
    error = "bad port '" + std::string(port_text) + "' (1-65535)";
    return false;
  }
  const std::string h(host);
  sockaddr_in in{};
  sockaddr_in6 in6{};
  if (inet_pton(AF_INET, h.c_str(), &in.sin_addr) == 1) {
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    std::memcpy(&out.addr, &in, sizeof in);
    out.addr_len = sizeof in;
  } else if (inet_pton(AF_INET6, h.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&out.addr, &in6, sizeof in6);
    out.addr_len = sizeof in6;
  } else {
    error = "'" + h + "' is not an IPv4 address or a bracketed IPv6 address";
    return false;
  }
  return true;
}

bool parse_unix(std::string_view path, Target& out, std::string& error) {
  sockaddr_un un{};
  if (path.empty()) {
    error = "expected unix:PATH";
    return false;
  }
  if (path.size() >= sizeof un.sun_path) {
    error = "unix path longer than " + std::to_string(sizeof un.sun_path - 1) + " bytes";
    return false;
  }
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  std::memcpy(&out.addr, &un, sizeof un);
  out.addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return true;
}

}  // namespace

bool parse_target(std::string_view s, Target& out, std::string& error) {
  out = Target{};
  out.text = std::string(s);
  bool ok = false;
  if (s.starts_with("tcp:")) {
    ok = parse_tcp(s.substr(4), out, error);
  } else if (s.starts_with("unix:")) {
    ok = parse_unix(s.substr(5), out, error);
  } else {
    error = "expected tcp:HOST:PORT or unix:PATH";
  }
  if (!ok) error = "bad target '" + std::string(s) + "': " + error;
  return ok;
}

}  // namespace socketbox::relay
