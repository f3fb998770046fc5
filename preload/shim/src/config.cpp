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

bool load_list(const char* name, MapSpec* out, int& count, bool unique_paths,
               int cap = kMaxMaps) noexcept {
  count = 0;
  const char* text = std::getenv(name);
  if (text == nullptr || text[0] == '\0') return true;
  char err[300];
  if (parse_map_list(text, out, cap, count, err, sizeof err, unique_paths)) return true;
  log_line("%s: %s; not intercepting anything", name, err);
  count = 0;
  return false;
}

// SB_PRELOAD_LISTENER's entries after the --map ones in c.maps: an address
// or a path may not be in both.
bool load_listeners(Config& c) noexcept {
  int count = 0;
  if (!load_list("SB_PRELOAD_LISTENER", c.maps + c.map_count, count, true, kMaxMaps - c.map_count))
    return false;
  for (int l = c.map_count; l < c.map_count + count; ++l)
    for (int m = 0; m < c.map_count; ++m) {
      const MapSpec& a = c.maps[m];
      const MapSpec& b = c.maps[l];
      const bool same_addr =
          a.addr_len == b.addr_len && std::memcmp(&a.addr, &b.addr, a.addr_len) == 0;
      if (same_addr || std::strcmp(a.path, b.path) == 0) {
        log_line(
            "SB_PRELOAD_LISTENER: mapping %d: %s also in SB_PRELOAD_MAP; not intercepting "
            "anything",
            l - c.map_count + 1, same_addr ? "address and port" : "socket path");
        return false;
      }
    }
  for (int l = c.map_count; l < c.map_count + count; ++l) c.listener[l] = true;
  c.map_count += count;
  if (const char* w = std::getenv("SB_PRELOAD_LISTENER_WAIT"); w != nullptr && w[0] != '\0') {
    if (!parse_listener_wait(w, c.listener_wait)) {
      log_line(
          "SB_PRELOAD_LISTENER_WAIT '%.40s' is not a number of seconds (0-%d); not "
          "intercepting anything",
          w, kMaxListenerWait);
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_listener_wait(const char* s, int& out) noexcept {
  if (*s == '\0') return false;
  long v = 0;
  for (const char* p = s; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
    if (v > kMaxListenerWait) return false;
  }
  out = static_cast<int>(v);
  return true;
}

void load_config() noexcept {
  Config& c = g_config;
  c = Config{};
  // Two connect mappings may lead to one server; two endpoints cannot share a path.
  if (!load_list("SB_PRELOAD_MAP", c.maps, c.map_count, true) || !load_listeners(c) ||
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
