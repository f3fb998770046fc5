#include "notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdio>

namespace socketbox::daemon {

void notify_ready(const std::string& status) noexcept {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void notify_reloading() noexcept {
  // Type=notify-reload wants the monotonic time with RELOADING=1.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                                  static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the table", usec);
}

void notify_stopping() noexcept { sd_notify(0, "STOPPING=1"); }

}  // namespace socketbox::daemon
