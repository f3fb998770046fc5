// systemd readiness notification (sd_notify); does nothing when sbd was not
// started by systemd (NOTIFY_SOCKET unset).
#pragma once

#include <string>

namespace socketbox::daemon {

void notify_ready(const std::string& status) noexcept;
void notify_reloading() noexcept;
void notify_stopping() noexcept;

}  // namespace socketbox::daemon
