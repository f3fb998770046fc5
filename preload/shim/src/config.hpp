// The preload's settings, read once from the environment at load:
//   SB_PRELOAD_MAP         newline-separated ADDR:PORT=PATH entries
//   SB_PRELOAD_CONNECT     the same, for outbound connect()s
//   SB_PRELOAD_LISTENER    the same, for mappings in listener mode: bind()
//                          as for SB_PRELOAD_MAP, listen() waits for the
//                          listening socket sbd sends and installs it
//   SB_PRELOAD_LISTENER_WAIT  seconds listen() waits for it (default 30)
//   SB_PRELOAD_UID         accept sockets only from this sender uid
//   SB_PRELOAD_NO_INHERIT  "1": drop the library from LD_PRELOAD once this
//                          process has bound a mapped address
//   SB_PRELOAD_DEBUG       "1": one line per endpoint created or adopted
//                          and per outbound connect
// Bad input disables the library with one line on stderr; it never fails
// the host process.
#pragma once

#include <sys/types.h>

#include "socketbox/preload/map_spec.hpp"

namespace socketbox::preload {

constexpr int kDefaultListenerWait = 30;  // seconds
constexpr int kMaxListenerWait = 86400;

struct Config {
  bool enabled = false;  // false: every call goes straight to libc
  // SB_PRELOAD_MAP's entries, then SB_PRELOAD_LISTENER's (at most kMaxMaps
  // in all): a receiving endpoint's mapping is an index into maps either way.
  int map_count = 0;
  MapSpec maps[kMaxMaps];
  bool listener[kMaxMaps] = {};  // maps[i] came from SB_PRELOAD_LISTENER
  int listener_wait = kDefaultListenerWait;
  int connect_count = 0;
  MapSpec connects[kMaxMaps];
  bool check_uid = false;
  uid_t uid = 0;
  bool no_inherit = false;
  bool debug = false;
};

// Filled by load_config() in the library constructor, read-only after.
extern Config g_config;

void load_config() noexcept;

// Parses a listener wait (decimal seconds, 0..kMaxListenerWait).
bool parse_listener_wait(const char* s, int& out) noexcept;

// Index of the mapping whose path is path (length n), or -1.
int map_by_path(const char* path, size_t n) noexcept;

}  // namespace socketbox::preload
