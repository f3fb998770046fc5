#include "socketbox/preload/environment.hpp"

#include <cstdlib>
#include <cstring>

namespace socketbox::preload {

std::string prepend_preload(const std::string& library, const char* existing) {
  std::string out = library;
  if (existing == nullptr) return out;
  const char* p = existing;
  while (*p) {
    size_t n = std::strcspn(p, ": ");
    if (n > 0 && std::string(p, n) != library) {
      out += ':';
      out.append(p, n);
    }
    p += n;
    if (*p) ++p;
  }
  return out;
}

bool export_settings(const PreloadSettings& s) {
  std::string preload = prepend_preload(s.library, std::getenv("LD_PRELOAD"));
  if (::setenv("LD_PRELOAD", preload.c_str(), 1) != 0) return false;
  if (s.maps.empty() ? ::unsetenv("SB_PRELOAD_MAP") != 0
                     : ::setenv("SB_PRELOAD_MAP", s.maps.c_str(), 1) != 0)
    return false;
  if (s.connects.empty() ? ::unsetenv("SB_PRELOAD_CONNECT") != 0
                         : ::setenv("SB_PRELOAD_CONNECT", s.connects.c_str(), 1) != 0)
    return false;
  if (s.listeners.empty() ? ::unsetenv("SB_PRELOAD_LISTENER") != 0
                          : ::setenv("SB_PRELOAD_LISTENER", s.listeners.c_str(), 1) != 0)
    return false;
  if (s.listener_wait.empty()
          ? ::unsetenv("SB_PRELOAD_LISTENER_WAIT") != 0
          : ::setenv("SB_PRELOAD_LISTENER_WAIT", s.listener_wait.c_str(), 1) != 0)
    return false;
  if (s.uid.empty() ? ::unsetenv("SB_PRELOAD_UID") != 0
                    : ::setenv("SB_PRELOAD_UID", s.uid.c_str(), 1) != 0)
    return false;
  if (s.no_inherit ? ::setenv("SB_PRELOAD_NO_INHERIT", "1", 1) != 0
                   : ::unsetenv("SB_PRELOAD_NO_INHERIT") != 0)
    return false;
  if (s.debug ? ::setenv("SB_PRELOAD_DEBUG", "1", 1) != 0 : ::unsetenv("SB_PRELOAD_DEBUG") != 0)
    return false;
  return true;
}

}  // namespace socketbox::preload
