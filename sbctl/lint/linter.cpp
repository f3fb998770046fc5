#include "lint/linter.hpp"

#include <algorithm>
#include <map>
#include <span>

namespace socketbox::sbctl {
namespace {

using Sev = Diagnostic::Severity;

std::string dest_text(const Route& r) { return r.dest ? r.dest->str() : "any address"; }

bool dest_overlaps(const Route& r, const Prefix& n) { return !r.dest || r.dest->overlaps(n); }

// Every steer prefix as an address interval, in address order, so that the
// checks matching routes against prefixes cost O(log n) per route rather
// than a scan of all prefixes (10,000 routes x 10,000 prefixes took 0.4 s).
// Used only when the prefixes are disjoint (any profile that is not an
// error): then the prefixes a net overlaps are one contiguous run.
class SteerIndex {
 public:
  struct Entry {
    net::Addr first, last;
    std::size_t block;  // index into p.steers
    std::size_t order;  // place in file order over all blocks
  };

  explicit SteerIndex(const Profile& p) {
    for (std::size_t b = 0; b < p.steers.size(); ++b)
      for (const auto& e : p.steers[b].prefixes)
        entries_.push_back({e.net.addr, last_of(e.net), b, entries_.size()});
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.first != b.first ? a.first < b.first : a.last > b.last;
    });
    for (std::size_t k = 1; k < entries_.size(); ++k)
      if (entries_[k].first <= entries_[k - 1].last) disjoint_ = false;
  }

  bool disjoint() const noexcept { return disjoint_; }
  const std::vector<Entry>& entries() const noexcept { return entries_; }

  // The entries overlapping n, in address order (only when disjoint()).
  std::span<const Entry> overlapping(const Prefix& n) const {
    const net::Addr first = n.addr, last = last_of(n);
    // Disjoint and sorted by first: sorted by last too.
    auto b = std::partition_point(entries_.begin(), entries_.end(),
                                  [&](const Entry& e) { return e.last < first; });
    auto e =
        std::partition_point(b, entries_.end(), [&](const Entry& x) { return x.first <= last; });
    return {b, e};
  }

 private:
  static net::Addr last_of(const Prefix& n) {
    const net::Addr host = ~n.mask();
    return {n.addr.hi | host.hi, n.addr.lo | host.lo};
  }
  std::vector<Entry> entries_;
  bool disjoint_ = true;
};

// Routes that can never see a connection because the kernel does not steer
// their addresses or ports to sbd.
void check_unsteered_routes(const Profile& p, const SteerIndex& index,
                            std::vector<Diagnostic>& out) {
  if (p.steers.empty()) return;
  for (const Route& r : p.routes) {
    if (r.listener) continue;  // steers itself
    bool dest_ok = false, steered = false;
    if (!index.disjoint() || !r.dest) {
      for (const SteerBlock& s : p.steers)
        for (const auto& e : s.prefixes)
          if (dest_overlaps(r, e.net)) {
            dest_ok = true;
            steered = steered || r.ports.intersects(s.ports);
            if (steered) break;
          }
    } else {
      for (const auto& e : index.overlapping(*r.dest)) {
        dest_ok = true;
        if ((steered = r.ports.intersects(p.steers[e.block].ports))) break;
      }
    }
    if (steered) continue;
    if (!dest_ok) {
      out.push_back({Sev::Warning, r.dest_pos,
                     r.label() + " never matches steered traffic: " + dest_text(r) +
                         " is outside every [[steer]] prefix"});
    } else {
      out.push_back({Sev::Warning, r.port_pos.line ? r.port_pos : r.pos,
                     r.label() + " never matches steered traffic: port " + r.ports.str() +
                         " is not steered for " + dest_text(r)});
    }
  }
}

// Steered prefixes that no route takes: sbd closes every such connection.
void check_untaken_steering(const Profile& p, const SteerIndex& index,
                            std::vector<Diagnostic>& out) {
  // With disjoint prefixes: mark what each route takes, in file order.
  std::vector<bool> marked(index.entries().size()), block_taken(p.steers.size());
  if (index.disjoint())
    for (const Route& r : p.routes) {
      if (r.to.kind == RouteTarget::Kind::Reject) continue;
      if (!r.dest) {
        for (std::size_t b = 0; b < p.steers.size(); ++b)
          if (r.ports.intersects(p.steers[b].ports)) block_taken[b] = true;
        continue;
      }
      for (const auto& e : index.overlapping(*r.dest))
        if (r.ports.intersects(p.steers[e.block].ports)) marked[e.order] = true;
    }
  std::size_t order = 0;
  for (std::size_t b = 0; b < p.steers.size(); ++b)
    for (const auto& e : p.steers[b].prefixes) {
      const SteerBlock& s = p.steers[b];
      const std::size_t at = order++;
      const bool taken = index.disjoint()
                             ? block_taken[b] || marked[at]
                             : std::any_of(p.routes.begin(), p.routes.end(), [&](const Route& r) {
                                 return r.to.kind != RouteTarget::Kind::Reject &&
                                        dest_overlaps(r, e.net) && r.ports.intersects(s.ports);
                               });
      if (!taken)
        out.push_back({Sev::Warning, e.pos,
                       "steered traffic to " + e.net.str() + " (port " + s.ports.str() +
                           ") is sent to no socket by any route: sbd closes those connections"});
    }
}

bool covers_route(const Route& earlier, const Route& r) {
  const bool dest = !earlier.dest || (r.dest && earlier.dest->covers(*r.dest));
  const bool from = !earlier.from || (r.from && earlier.from->covers(*r.from));
  return dest && from;
}

// A route is never reached when earlier routes together take every
// connection it matches. Only earlier routes that each cover its addresses
// are counted (their ports add up), which finds the common cases exactly.
void check_shadowed_routes(const Profile& p, std::vector<Diagnostic>& out) {
  // Single-address routes without `from` are indexed by address so that
  // large lists of them stay fast; everything else is compared one by one.
  std::map<net::Addr, std::vector<std::size_t>> hosts;
  std::vector<std::size_t> others;
  for (std::size_t j = 0; j < p.routes.size(); ++j) {
    const Route& r = p.routes[j];
    std::vector<std::size_t> candidates;
    for (std::size_t i : others)
      if (covers_route(p.routes[i], r)) candidates.push_back(i);
    if (r.dest && r.dest->is_host())
      if (auto it = hosts.find(r.dest->addr); it != hosts.end())
        for (std::size_t i : it->second)
          if (covers_route(p.routes[i], r)) candidates.push_back(i);
    std::sort(candidates.begin(), candidates.end());
    PortSet taken{std::vector<PortRange>{}};
    std::string lines;
    for (std::size_t i : candidates) {
      if (!p.routes[i].ports.intersects(r.ports)) continue;
      taken = taken.united(p.routes[i].ports);
      lines += (lines.empty() ? "" : ", ") + std::to_string(p.routes[i].pos.line);
      if (taken.covers(r.ports)) {
        out.push_back(
            {Sev::Warning, r.pos,
             r.label() + " is never reached: every connection it matches is taken by the " +
                 (lines.find(',') == std::string::npos ? "route at line " : "routes at lines ") +
                 lines});
        break;
      }
    }
    if (r.dest && r.dest->is_host() && !r.from) {
      hosts[r.dest->addr].push_back(j);
    } else {
      others.push_back(j);
    }
  }
}

// The kernel gets one local route per steer prefix and one nft set element:
// overlapping prefixes would collide there and steer ambiguously.
void check_steer_overlaps(const Profile& p, const SteerIndex& index, std::vector<Diagnostic>& out) {
  if (index.disjoint()) return;  // the pairwise search below only to name the pairs
  std::vector<const PrefixEntry*> all;
  for (const SteerBlock& s : p.steers)
    for (const auto& e : s.prefixes) all.push_back(&e);
  for (std::size_t j = 0; j < all.size(); ++j)
    for (std::size_t i = 0; i < j; ++i)
      if (all[i]->net.overlaps(all[j]->net)) {
        out.push_back(
            {Sev::Error, all[j]->pos,
             "steer prefix " + all[j]->net.str() +
                 (all[i]->net == all[j]->net ? " is already steered at line "
                                             : " overlaps " + all[i]->net.str() + " at line ") +
                 std::to_string(all[i]->pos.line)});
        break;
      }
}

// IPv4 lives in ::ffff:0:0/96 of the 128-bit form: an IPv4 dest with an
// IPv6 from (or the other way round) matches no connection.
void check_route_families(const Profile& p, std::vector<Diagnostic>& out) {
  const Prefix mapped = Prefix::of(net::Addr::v4_mapped_base(), 96);
  for (const Route& r : p.routes) {
    if (!r.dest || !r.from) continue;
    if ((r.dest->is_v4() && !r.from->overlaps(mapped)) ||
        (r.from->is_v4() && !r.dest->overlaps(mapped)))
      out.push_back({Sev::Warning, r.from_pos,
                     r.label() + " never matches: 'from' " + r.from->str() + " and 'dest' " +
                         r.dest->str() + " are of different address families"});
  }
}

void check_socketdirs(const Profile& p, std::vector<Diagnostic>& out) {
  std::map<std::string, std::uint32_t> seen;
  for (const auto& d : p.socketdirs) {
    auto [it, added] = seen.emplace(d.path, d.pos.line);
    if (!added)
      out.push_back({Sev::Error, d.path_pos,
                     "socket directory " + d.path + " is already described at line " +
                         std::to_string(it->second)});
  }
}

// A socket sbd cannot reach, or one outside the directories whose
// permissions sbctl sets up.
void check_route_targets(const Profile& p, const LintEnvironment& env,
                         std::vector<Diagnostic>& out) {
  for (const Route& r : p.routes) {
    if (r.to.kind == RouteTarget::Kind::Reject) continue;
    // A relay route's socket is sb-relay's, in [relay] socket_dir: set up
    // by tmpfiles.d (the default) or the operator, not by [[socketdir]].
    const bool relay = r.to.kind == RouteTarget::Kind::Relay;
    // Each socket of a failover list is checked as a single target is, at
    // its own position in the list.
    const std::vector<std::string> paths = r.to.socket_paths();
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const std::string& path = paths[i];
      const Pos where = i < r.to.failover_pos.size() ? r.to.failover_pos[i] : r.to_pos;
      if (env.sbd_private_tmp && (path.rfind("/tmp/", 0) == 0 || path.rfind("/var/tmp/", 0) == 0)) {
        out.push_back({Sev::Warning, where,
                       r.label() + " sends to " + path +
                           ", but sbd.service runs with PrivateTmp=yes and sees a /tmp of its "
                           "own: put receiving sockets under /run/socketbox"});
        continue;
      }
      if (p.socketdirs.empty() || relay) continue;
      const bool inside = std::any_of(p.socketdirs.begin(), p.socketdirs.end(), [&](const auto& d) {
        return path.size() > d.path.size() + 1 && path.compare(0, d.path.size(), d.path) == 0 &&
               path[d.path.size()] == '/';
      });
      if (!inside)
        out.push_back({Sev::Warning, where,
                       r.label() + " sends to " + path +
                           ", which lies outside every [[socketdir]]: sbctl sets up no "
                           "permissions for it"});
    }
  }
}

// sb-relay's socket directory is its own (tmpfiles.d: socketbox-relay, 2750,
// set-group-ID socketbox-access): a [[socketdir]] for it would hand it to
// another owner, and sb-relay could no longer bind sockets there on a reload.
void check_relay_dir(const Profile& p, std::vector<Diagnostic>& out) {
  if (!p.has_relay_routes()) return;
  for (const auto& d : p.socketdirs)
    if (d.path == p.relay.socket_dir)
      out.push_back({Sev::Warning, d.path_pos,
                     "[[socketdir]] " + d.path +
                         " is sb-relay's socket directory ([relay] socket_dir): sbctl apply "
                         "makes it owner_uid " +
                         std::to_string(d.owner_uid) +
                         "'s, and sb-relay binds its sockets there as socketbox-relay"});
}

// An AnyIP local route for a huge prefix makes that whole space local: the
// box can no longer reach any other host in it.
void check_huge_steering(const Profile& p, std::vector<Diagnostic>& out) {
  for (const SteerBlock& s : p.steers)
    for (const auto& e : s.prefixes) {
      // IPv4 prefixes are held in their mapped (::ffff:0:0/96) form.
      if (e.net.is_v4() ? e.net.len < 96 + 8 : e.net.len < 16)
        out.push_back({Sev::Warning, e.pos,
                       "steering " + e.net.str() +
                           " makes every address in it local to this box: " +
                           "it can no longer reach any other host there (steer the prefixes "
                           "you own)"});
    }
}

}  // namespace

std::vector<Diagnostic> lint_profile(const Profile& p, const LintEnvironment& env) {
  std::vector<Diagnostic> out;
  if (p.steers.empty())
    out.push_back({Sev::Warning, {}, "no [[steer]] blocks: the kernel sends no traffic to sbd"});
  const SteerIndex index(p);
  check_steer_overlaps(p, index, out);
  check_unsteered_routes(p, index, out);
  check_untaken_steering(p, index, out);
  check_shadowed_routes(p, out);
  check_route_families(p, out);
  check_socketdirs(p, out);
  check_route_targets(p, env, out);
  check_huge_steering(p, out);
  check_relay_dir(p, out);
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.column < b.pos.column;
  });
  return out;
}

bool has_errors(const std::vector<Diagnostic>& d) {
  return std::any_of(d.begin(), d.end(),
                     [](const Diagnostic& x) { return x.severity == Diagnostic::Severity::Error; });
}

}  // namespace socketbox::sbctl
