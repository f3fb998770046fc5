// Counts calls of the global operator new (replaced in alloc_counter.cpp for
// the whole test binary), to check that the per-connection path allocates
// nothing.
#pragma once

#include <atomic>
#include <cstddef>

extern std::atomic<std::size_t> g_allocations;

#ifdef __SANITIZE_ADDRESS__
inline constexpr bool kCountingAllocations = false;
#else
inline constexpr bool kCountingAllocations = true;
#endif
