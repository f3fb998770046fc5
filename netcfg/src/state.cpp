// DesiredState helpers: normal form, validation, and Change text.
#include <sys/socket.h>

#include <algorithm>
#include <string>

#include "error.hpp"
#include "interval.hpp"
#include "socketbox/netcfg/netcfg.hpp"

namespace socketbox::netcfg {

std::string to_string(const Change& change) {
  const char* sign = change.kind == Change::Kind::Add      ? "+ "
                     : change.kind == Change::Kind::Remove ? "- "
                                                           : "~ ";
  return sign + change.what;
}

DesiredState normalize(const DesiredState& desired) {
  DesiredState out = desired;
  for (auto& steer : out.steers) {
    std::sort(steer.prefixes.begin(), steer.prefixes.end());
    steer.prefixes.erase(std::unique(steer.prefixes.begin(), steer.prefixes.end()),
                         steer.prefixes.end());
    std::sort(steer.ports.begin(), steer.ports.end());
    steer.ports.erase(std::unique(steer.ports.begin(), steer.ports.end()), steer.ports.end());
  }
  return out;
}

namespace {

std::string port_text(const PortRange& r) {
  return r.lo == r.hi ? std::to_string(r.lo) : std::to_string(r.lo) + "-" + std::to_string(r.hi);
}

}  // namespace

void validate(const DesiredState& desired_in) {
  if (desired_in.tproxy_port == 0) throw_error("tproxy port 0 is not a port sbd can listen on");
  const DesiredState desired = normalize(desired_in);
  for (std::size_t i = 0; i < desired.steers.size(); ++i) {
    const Steer& steer = desired.steers[i];
    const std::string where = "steer " + std::to_string(i) + ": ";
    if (steer.prefixes.empty()) throw_error(where + "no prefixes to steer");
    for (const auto& p : steer.prefixes) {
      if (p.family != AF_INET && p.family != AF_INET6)
        throw_error(where + "a prefix without an address family");
      if (p.len > (p.family == AF_INET6 ? 128 : 32))
        throw_error(where + "prefix length too long in " + p.str());
    }
    // Sorted, so a prefix containing later ones comes right before the first of them.
    for (std::size_t k = 1; k < steer.prefixes.size(); ++k) {
      if (overlaps(steer.prefixes[k - 1], steer.prefixes[k]))
        throw_error(where + "prefixes " + steer.prefixes[k - 1].str() + " and " +
                    steer.prefixes[k].str() + " overlap");
    }
    for (std::size_t k = 0; k < steer.ports.size(); ++k) {
      const PortRange& r = steer.ports[k];
      if (r.lo > r.hi)
        throw_error(where + "port range " + std::to_string(r.lo) + "-" + std::to_string(r.hi) +
                    " is backwards");
      if (k > 0 && r.lo <= steer.ports[k - 1].hi)
        throw_error(where + "ports " + port_text(steer.ports[k - 1]) + " and " + port_text(r) +
                    " overlap");
    }
  }
}

}  // namespace socketbox::netcfg
