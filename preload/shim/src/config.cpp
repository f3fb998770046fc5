#include "config.hpp"

#include <cstdlib>
#include <cstring>

#include "log.hpp"

namespace socketbox::preload {

Config g_config;

namespace {

bool parse_uid(const char* s, uid_t& out) noexcept {
  if (*s == '\0') return false;
  unsigned long v = 0;
  for (const char* p = s; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + static_cast<unsigned long>(*p - '0');
    if (v > 0xfffffffeUL) return false;
  }
  out = static_cast<uid_t>(v);
  return true;
}

bool flag_set(const char* name) noexcept {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] == '1';
}

}  // namespace

void load_config() noexcept {
  Config& c = g_config;
  c = Config{};
  const char* maps = std::getenv("SB_PRELOAD_MAP");
  if (maps == nullptr || maps[0] == '\0') return;  // nothing mapped: stay out of the way
  char err[300];
  if (!parse_map_list(maps, c.maps, kMaxMaps, c.map_count, err, sizeof err)) {
    log_line("SB_PRELOAD_MAP: %s; not intercepting anything", err);
    c.map_count = 0;
    return;
  }
  if (const char* uid = std::getenv("SB_PRELOAD_UID"); uid != nullptr && uid[0] != '\0') {
    if (!parse_uid(uid, c.uid)) {
      log_line("SB_PRELOAD_UID '%.40s' is not a numeric uid; not intercepting anything", uid);
      c.map_count = 0;
      return;
    }
    c.check_uid = true;
  }
  c.no_inherit = flag_set("SB_PRELOAD_NO_INHERIT");
  c.debug = flag_set("SB_PRELOAD_DEBUG");
  c.enabled = c.map_count > 0;
}

int map_by_path(const char* path, size_t n) noexcept {
  for (int i = 0; i < g_config.map_count; ++i) {
    const char* p = g_config.maps[i].path;
    if (std::strlen(p) == n && std::memcmp(p, path, n) == 0) return i;
  }
  return -1;
}

}  // namespace socketbox::preload
