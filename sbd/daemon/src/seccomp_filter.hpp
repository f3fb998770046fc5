// --seccomp: once serving, sbd is confined to the system calls its loop,
// reloads, the control socket and sd_notify use. Anything else fails with
// EPERM (rather than killing sbd, so a missed call in a rare path is an
// error line, not an outage).
#pragma once

namespace socketbox::daemon {

// Throws SetupError.
void install_seccomp_filter();

}  // namespace socketbox::daemon
