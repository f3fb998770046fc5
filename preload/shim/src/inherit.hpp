// --no-inherit: removing this library from LD_PRELOAD so that programs the
// server runs later (login shells, CGI) are not preloaded.
#pragma once

namespace socketbox::preload {

// Edits the LD_PRELOAD string of this process's environment in place (no
// setenv, no allocation), once. Called when the first mapped bind succeeds.
void drop_from_ld_preload() noexcept;

}  // namespace socketbox::preload
