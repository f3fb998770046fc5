#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

std::atomic<std::size_t> g_allocations{0};

// AddressSanitizer has its own operator new/delete; replacing them there
// mismatches allocations made inside the runtime. Count in normal builds only.
#ifndef __SANITIZE_ADDRESS__

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif
