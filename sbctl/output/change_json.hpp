// The JSON forms of what the changing verbs report (diff, apply, down,
// rollback), so each verb's --json says the same thing the same way.
#pragma once

#include <string>
#include <vector>

#include "output/json_writer.hpp"
#include "socketbox/netcfg/model.hpp"

namespace socketbox::sbctl {

// [{"op":"add"|"remove"|"modify","what":"..."}, ...]
void write_kernel_changes(JsonWriter& w, const std::vector<netcfg::Change>& changes);
void write_strings(JsonWriter& w, const std::vector<std::string>& items);

}  // namespace socketbox::sbctl
