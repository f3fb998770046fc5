// DesiredState helpers: normal form, validation, and Change text.
#include <sys/socket.h>

#include <algorithm>
#include <string>

#include "error.hpp"
#include "socketbox/netcfg/interval.hpp"
#include "socketbox/netcfg/model.hpp"
#include "socketbox/netcfg/nft_text.hpp"

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
    // Only what reaches the kernel counts: a prefix length for a family the
    // block does not steer, or a burst without a rate, is not stored anywhere.
    SourceLimits& l = steer.limits;
    const SourceLimits plain;
    const auto has = [&](int family) {
      return std::any_of(steer.prefixes.begin(), steer.prefixes.end(),
                         [&](const Prefix& p) { return p.family() == family; });
    };
    if (!l.any() || !has(AF_INET6)) l.prefix6 = plain.prefix6;
    if (!l.any() || !has(AF_INET)) l.prefix4 = plain.prefix4;
    if (l.rate == 0) {
      l.rate_unit = plain.rate_unit;
      l.burst = plain.burst;
    }
  }
  return out;
}

std::string unit_name(std::uint32_t seconds) {
  switch (seconds) {
    case 1:
      return "second";
    case 60:
      return "minute";
    case 3600:
      return "hour";
    case 86400:
      return "day";
    default:
      return std::to_string(seconds) + "s";
  }
}

std::string to_string(const SourceLimits& l) {
  if (!l.any()) return "none";
  const std::string per = " per source /" + std::to_string(l.prefix6) + " (IPv6), /" +
                          std::to_string(l.prefix4) + " (IPv4)";
  std::string out;
  if (l.max_conn) out = "max " + std::to_string(l.max_conn) + " connections";
  if (l.rate) {
    if (!out.empty()) out += ", ";
    out += "rate " + std::to_string(l.rate) + "/" + unit_name(l.rate_unit) + " burst " +
           std::to_string(l.burst);
  }
  return out + per;
}

namespace {}  // namespace

void validate(const DesiredState& desired_in) {
  if (desired_in.tproxy_port == 0) throw_error("tproxy port 0 is not a port sbd can listen on");
  const DesiredState desired = normalize(desired_in);
  for (std::size_t i = 0; i < desired.steers.size(); ++i) {
    const Steer& steer = desired.steers[i];
    const std::string where = "steer " + std::to_string(i) + ": ";
    if (steer.prefixes.empty()) throw_error(where + "no prefixes to steer");
    for (const auto& p : steer.prefixes)
      if (p.len < 0 || p.len > 128) throw_error(where + "prefix length out of range");
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
        throw_error(where + "ports " + steer.ports[k - 1].str() + " and " + r.str() + " overlap");
    }
    const SourceLimits& l = steer.limits;
    if (l.prefix6 < 1 || l.prefix6 > 128 || l.prefix4 < 1 || l.prefix4 > 32)
      throw_error(where + "source prefix length out of range (IPv6 1-128, IPv4 1-32)");
    if (l.rate != 0 && l.rate_unit != 1 && l.rate_unit != 60 && l.rate_unit != 3600 &&
        l.rate_unit != 86400)
      throw_error(where + "rate unit must be a second, minute, hour or day");
    if (l.rate != 0 && l.burst == 0) throw_error(where + "burst 0 would refuse every connection");
  }
}

}  // namespace socketbox::netcfg
