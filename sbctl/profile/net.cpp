#include "profile/net.hpp"

#include <algorithm>
#include <charconv>

namespace socketbox::sbctl {

namespace {

bool parse_uint(std::string_view s, unsigned long max, unsigned long& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

}  // namespace

PortSet::PortSet(std::vector<PortRange> ranges) : any_(false) {
  std::sort(ranges.begin(), ranges.end(),
            [](const PortRange& a, const PortRange& b) { return a.lo < b.lo; });
  for (const PortRange& r : ranges) {
    if (!ranges_.empty() && r.lo <= static_cast<unsigned>(ranges_.back().hi) + 1) {
      ranges_.back().hi = std::max(ranges_.back().hi, r.hi);
    } else {
      ranges_.push_back(r);
    }
  }
}

std::size_t PortSet::count() const noexcept {
  if (any_) return 65536;
  std::size_t n = 0;
  for (const auto& r : ranges_) n += static_cast<std::size_t>(r.hi - r.lo) + 1;
  return n;
}

bool PortSet::contains(std::uint16_t port) const noexcept {
  if (any_) return true;
  for (const auto& r : ranges_)
    if (port >= r.lo && port <= r.hi) return true;
  return false;
}

bool PortSet::covers(const PortSet& other) const noexcept {
  if (any_) return true;
  if (other.any_) return count() == 65536;
  for (const auto& o : other.ranges_) {
    bool inside = false;
    for (const auto& r : ranges_)
      if (o.lo >= r.lo && o.hi <= r.hi) inside = true;  // ranges are merged: one must hold it
    if (!inside) return false;
  }
  return true;
}

bool PortSet::intersects(const PortSet& other) const noexcept {
  if (any_ || other.any_) return true;
  for (const auto& a : ranges_)
    for (const auto& b : other.ranges_)
      if (a.lo <= b.hi && b.lo <= a.hi) return true;
  return false;
}

PortSet PortSet::intersection(const PortSet& other) const {
  if (any_) return other;
  if (other.any_) return *this;
  std::vector<PortRange> out;
  for (const auto& a : ranges_)
    for (const auto& b : other.ranges_)
      if (a.lo <= b.hi && b.lo <= a.hi) out.push_back({std::max(a.lo, b.lo), std::min(a.hi, b.hi)});
  return PortSet(std::move(out));
}

PortSet PortSet::united(const PortSet& other) const {
  if (any_ || other.any_) return PortSet();
  std::vector<PortRange> all = ranges_;
  all.insert(all.end(), other.ranges_.begin(), other.ranges_.end());
  return PortSet(std::move(all));
}

std::vector<std::uint16_t> PortSet::expand() const {
  std::vector<std::uint16_t> out;
  for (const auto& r : ranges_)
    for (unsigned p = r.lo; p <= r.hi; ++p) out.push_back(static_cast<std::uint16_t>(p));
  return out;
}

std::string PortSet::str() const {
  if (any_) return "any";
  if (ranges_.empty()) return "none";
  return net::join_ports(ranges_);
}

std::optional<PortRange> parse_port_text(std::string_view text, std::string& error) {
  const std::string quoted = "'" + std::string(text) + "'";
  unsigned long lo = 0, hi = 0;
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_uint(text, 65535, lo) || lo == 0) {
      error = "port " + quoted + " is not a port number from 1 to 65535 or a range 'LO-HI'";
      return std::nullopt;
    }
    return PortRange{static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(lo)};
  }
  if (!parse_uint(text.substr(0, dash), 65535, lo) ||
      !parse_uint(text.substr(dash + 1), 65535, hi) || lo == 0 || hi == 0) {
    error = "port range " + quoted + " must be 'LO-HI' with ports from 1 to 65535";
    return std::nullopt;
  }
  if (lo > hi) {
    error = "port range " + quoted + " is backwards (write '" + std::to_string(hi) + "-" +
            std::to_string(lo) + "')";
    return std::nullopt;
  }
  return PortRange{static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi)};
}

}  // namespace socketbox::sbctl
