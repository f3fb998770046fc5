// Times as sbctl prints them: UTC, to the second, so logs from several
// machines line up.
#pragma once

#include <ctime>
#include <string>

namespace socketbox::sbctl {

std::string utc_time(std::time_t t);

}  // namespace socketbox::sbctl
