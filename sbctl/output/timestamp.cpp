#include "output/timestamp.hpp"

namespace socketbox::sbctl {

std::string utc_time(std::time_t t) {
  char buf[64];
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace socketbox::sbctl
