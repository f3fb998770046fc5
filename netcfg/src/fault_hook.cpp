#include "socketbox/netcfg/fault_hook.hpp"

#include "fault_point.hpp"

namespace socketbox::netcfg {
namespace {
FaultHook g_hook = nullptr;
}

void set_fault_hook(FaultHook hook) noexcept { g_hook = hook; }

void fault_point(const char* point) {
  if (g_hook) g_hook(point);
}

}  // namespace socketbox::netcfg
