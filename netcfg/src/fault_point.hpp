// Where apply() gives an installed test hook (fault_hook.hpp) its chance to fail.
#pragma once

namespace socketbox::netcfg {

void fault_point(const char* point);

}  // namespace socketbox::netcfg
