#include "inherit.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace socketbox::preload {
namespace {

std::atomic<bool> g_dropped{false};

bool is_separator(char c) noexcept { return c == ':' || c == ' '; }

// Our own entry: the path we were loaded from, or any path ending in our name.
bool is_us(const char* entry, size_t n, const char* self) noexcept {
  static constexpr char kName[] = "libsbpreload.so";
  constexpr size_t kLen = sizeof kName - 1;
  if (self != nullptr && std::strlen(self) == n && std::memcmp(entry, self, n) == 0) return true;
  return n >= kLen && std::memcmp(entry + n - kLen, kName, kLen) == 0 &&
         (n == kLen || entry[n - kLen - 1] == '/');
}

}  // namespace

void drop_from_ld_preload() noexcept {
  if (g_dropped.exchange(true)) return;
  char* value = std::getenv("LD_PRELOAD");
  if (value == nullptr) return;
  Dl_info info{};
  const char* self =
      ::dladdr(reinterpret_cast<void*>(&drop_from_ld_preload), &info) ? info.dli_fname : nullptr;
  // Compact the kept entries to the front of the same buffer, ':'-separated.
  char* out = value;
  const char* p = value;
  while (*p != '\0') {
    while (is_separator(*p)) ++p;
    const char* start = p;
    while (*p != '\0' && !is_separator(*p)) ++p;
    size_t n = static_cast<size_t>(p - start);
    if (n == 0 || is_us(start, n, self)) continue;
    if (out != value) *out++ = ':';
    std::memmove(out, start, n);
    out += n;
  }
  *out = '\0';
}

}  // namespace socketbox::preload
