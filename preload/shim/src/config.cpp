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

bool load_list(const char* name, MapSpec* out, int& count, bool unique_paths) noexcept {
  count = 0;
  const char* text = std::getenv(name);
  if (text == nullptr || text[0] == '\0') return true;
  char err[300];
  if (parse_map_list(text, out, kMaxMaps, count, err, sizeof err, unique_paths)) return true;
  log_line("%s: %s; not intercepting anything", name, err);
  count = 0;
  return false;
}

}  // namespace

void load_config() noexcept {
  Config& c = g_config;
  c = Config{};
  // Two connect mappings may lead to one server; two endpoints cannot share a path.
  if (!load_list("SB_PRELOAD_MAP", c.maps, c.map_count, true) ||
      !load_list("SB_PRELOAD_CONNECT", c.connects, c.connect_count, false)) {
    c.map_count = c.connect_count = 0;
    return;
  }
  if (c.map_count == 0 && c.connect_count == 0) return;  // nothing mapped: stay out of the way
  if (const char* uid = std::getenv("SB_PRELOAD_UID"); uid != nullptr && uid[0] != '\0') {
    if (!parse_uid(uid, c.uid)) {
      log_line("SB_PRELOAD_UID '%.40s' is not a numeric uid; not intercepting anything", uid);
      c.map_count = c.connect_count = 0;
      return;
    }
    c.check_uid = true;
  }
  c.no_inherit = flag_set("SB_PRELOAD_NO_INHERIT");
  c.debug = flag_set("SB_PRELOAD_DEBUG");
  c.enabled = true;
}

int map_by_path(const char* path, size_t n) noexcept {
  for (int i = 0; i < g_config.map_count; ++i) {
    const char* p = g_config.maps[i].path;
    if (std::strlen(p) == n && std::memcmp(p, path, n) == 0) return i;
  }
  return -1;
}

}  // namespace socketbox::preload
