// A seam for tests, installed by tests only: apply() calls the hook at each
// named point of a change, "after-nft" (the nft table is replaced, no route
// changed yet) and "mid-routes" (after the first route step). A hook that
// throws NetcfgError makes apply fail there, and apply then undoes what it
// did; one that kills the process shows what a `kill -9` leaves behind.
// Nothing in socketbox's programs installs one.
#pragma once

namespace socketbox::netcfg {

using FaultHook = void (*)(const char* point);

// nullptr removes it. Not for use while another thread runs apply().
void set_fault_hook(FaultHook hook) noexcept;

}  // namespace socketbox::netcfg
