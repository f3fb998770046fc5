// Exit codes shared by the daemons (sbd, sb-relay).
#pragma once

namespace socketbox::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // could not set up or serve
inline constexpr int kExitUsage = 2;    // bad command line or configuration

}  // namespace socketbox::daemon
