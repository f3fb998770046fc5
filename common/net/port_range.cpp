#include "socketbox/net/port_range.hpp"

namespace socketbox::net {

std::string PortRange::str() const {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

std::string join_ports(const std::vector<PortRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ", ";
    out += r.str();
  }
  return out;
}

}  // namespace socketbox::net
