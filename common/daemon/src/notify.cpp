#include "notify.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>

#include "socketbox/systemd.hpp"

namespace socketbox::daemon {

// Messages are built on the stack: notify_stopping runs on the way out, and
// none of these may throw.
void notify_ready(const std::string& status) noexcept {
  char msg[512];
  const int n = std::snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", status.c_str());
  if (n > 0) systemd::notify({msg, std::min(static_cast<std::size_t>(n), sizeof msg - 1)});
}

void notify_reloading() noexcept {
  // Type=notify-reload wants the monotonic time with RELOADING=1.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                                  static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  char msg[128];
  const int n = std::snprintf(msg, sizeof msg,
                              "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the table", usec);
  if (n > 0) systemd::notify({msg, std::min(static_cast<std::size_t>(n), sizeof msg - 1)});
}

void notify_stopping() noexcept { systemd::notify("STOPPING=1"); }

}  // namespace socketbox::daemon
