// Socket addresses for unit tests, built from text ("::1", 22).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

namespace socketbox::test {

inline sockaddr_in6 v6(const char* addr, int port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET6, addr, &a.sin6_addr);
  return a;
}

inline sockaddr_in v4(const char* addr, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, addr, &a.sin_addr);
  return a;
}

}  // namespace socketbox::test
