// netcfg's model: the kernel state that steers traffic to sbd, as values.
// What socketbox wants (DesiredState), what the kernel holds (KernelState),
// their checks, their difference and the nft text, all pure: no kernel
// library and no system call, so the compiler and its tests link it alone.
// Making the kernel hold it is netcfg's kernel part (kernel.hpp).
// Knows nothing of sbd or its tables: it is given prefixes, ports and a
// TPROXY port.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "socketbox/net/port_range.hpp"
#include "socketbox/net/prefix.hpp"

namespace socketbox::netcfg {

// The nftables table socketbox owns; nothing else is ever touched.
inline constexpr const char* kTableFamily = "inet";
inline constexpr const char* kTableName = "socketbox";
// Routing protocol number that tags socketbox's own routes (rtnetlink "proto").
inline constexpr std::uint8_t kRouteProtocol = 0x5b;  // 91

class NetcfgError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// socketbox's one prefix and port range types (socketbox/net/): a Prefix
// gives the kernel's form (family, address bytes, length) by kernel().
using net::PortRange;
using net::Prefix;

// Per-source limits of one steer block, enforced by nft before TPROXY: a new
// connection over a limit is refused with a TCP reset and never reaches sbd.
// Sources count per prefix (prefix6 / prefix4 bits of the source address),
// since IPv6 clients rotate addresses inside their /64.
struct SourceLimits {
  std::uint32_t max_conn = 0;   // connections one source prefix may hold; 0 = no limit
  std::uint32_t rate = 0;       // new connections per rate_unit seconds; 0 = no limit
  std::uint32_t rate_unit = 1;  // 1, 60, 3600 or 86400
  std::uint32_t burst = 5;      // packets beyond the rate (nft's default is 5)
  std::uint8_t prefix6 = 64;
  std::uint8_t prefix4 = 32;
  bool any() const { return max_conn != 0 || rate != 0; }
  friend bool operator==(const SourceLimits&, const SourceLimits&) = default;
};

// "max 20 conn per /64,/32; rate 20/second burst 5 per /64,/32", or "none".
std::string to_string(const SourceLimits& limits);

// One [[steer]] block: these prefixes and these TCP ports go to sbd (or to
// the listener on the block's own TPROXY port).
struct Steer {
  // A constructor rather than an aggregate: {prefixes, ports} stays valid
  // (and warning-free) now that limits follow.
  Steer() = default;
  Steer(std::vector<Prefix> prefixes_in, std::vector<PortRange> ports_in = {},
        SourceLimits limits_in = {}, std::uint16_t tproxy_port_in = 0)
      : prefixes(std::move(prefixes_in)),
        ports(std::move(ports_in)),
        limits(limits_in),
        tproxy_port(tproxy_port_in) {}
  std::vector<Prefix> prefixes;
  std::vector<PortRange> ports;  // empty = every port
  SourceLimits limits;
  // 0: DesiredState::tproxy_port. Otherwise the block's own port, whose TPROXY
  // rules carry a counter (how many packets went to that listener); the
  // counter is also how a read-back tells an own port from the main one.
  std::uint16_t tproxy_port = 0;
  friend bool operator==(const Steer&, const Steer&) = default;
};

// How often one limit refused a connection (its nft rule's counter).
struct LimitTrips {
  std::size_t steer = 0;
  int family = 0;  // AF_INET6 or AF_INET
  enum class Kind { Conn, Rate } kind = Kind::Conn;
  std::uint64_t packets = 0;
  friend bool operator==(const LimitTrips&, const LimitTrips&) = default;
};

// The counter of one TPROXY rule of a steer block with its own port.
struct SteerCounter {
  std::size_t steer = 0;
  int family = 0;  // AF_INET6 or AF_INET
  std::uint16_t port = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  friend bool operator==(const SteerCounter&, const SteerCounter&) = default;
};

// What socketbox wants the kernel of one network namespace to hold.
struct DesiredState {
  std::vector<Steer> steers;
  // sbd listens on [::ffff:127.0.0.1]:tproxy_port: the port of every steer
  // block without its own. Read back, only such a block's rules tell it (else 1).
  std::uint16_t tproxy_port = 1;
  bool local_clients = false;  // processes on the box reach steered addresses too
};

// One object of the socketbox nft table that netcfg recognises, named as
// `nft list table inet socketbox` shows it.
struct NftItem {
  enum class Kind { Chain, Set, Rule } kind;
  std::string name;                   // chain or set name; a rule: the address set it looks up
  std::string text;                   // chain: its hook line; rule: the rule as nft prints it
  std::vector<std::string> elements;  // set: its elements ("2001:db8::/64", "80-443"), sorted
  friend bool operator==(const NftItem&, const NftItem&) = default;
};

// What the kernel holds now, read back from it (never from a file).
struct KernelState {
  bool table_present = false;
  DesiredState steering;       // reconstructed from the socketbox nft table
  std::vector<NftItem> items;  // the table's chains, sets and rules netcfg recognises
  std::vector<Prefix> routes;  // local routes on lo tagged kRouteProtocol
  // Whatever in the socketbox table netcfg would not have put there (e.g. a
  // hand-added rule), and tagged routes of another shape, one line each;
  // diff() reports them as removals, apply() replaces the table.
  std::vector<std::string> unrecognized;
  // The trip counter of every limit rule, in table order.
  std::vector<LimitTrips> limit_trips;
  // The counter of every TPROXY rule of a block with its own port, in table order.
  std::vector<SteerCounter> steer_counters;
};

struct Change {
  // Modify: a value changed in place, e.g. "tproxy port 1 -> 2".
  enum class Kind { Add, Remove, Modify } kind;
  std::string what;  // e.g. "route local fd01:db8:1:40::/64 dev lo"
};

// "+ what", "- what" or "~ what".
std::string to_string(const Change& change);

// Sorts and de-duplicates prefixes and ports of every steer block
// (the kernel holds sets, so order and repetition carry no meaning).
DesiredState normalize(const DesiredState& desired);

// Throws NetcfgError naming the problem if `desired` cannot be loaded:
// a steer block without prefixes, overlapping prefixes or port ranges inside
// one block, a port range with lo > hi, tproxy_port 0, or limits out of range.
// A steer block's own tproxy_port may be any port (0: the main one).
void validate(const DesiredState& desired);

// What apply(desired) would change, as human-readable lines; empty = nothing.
std::vector<Change> diff(const DesiredState& desired, const KernelState& actual);

// Drift, object by object, for an operator: each object of the socketbox
// table (the table itself, its chain, each set, each rule) and each route
// that `desired` needs and the kernel lacks (Add), holds differently
// (Modify) or holds besides (Remove). `desired` nullopt: nothing of
// socketbox's should be there. Empty = in step.
std::vector<Change> object_drift(const std::optional<DesiredState>& desired,
                                 const KernelState& actual);

// A backend's socket directory with the seed's permission layout: owner root,
// group access_group, mode 2750 (setgid), ACL user:owner_uid:rwx. Made and
// checked by the kernel part (ensure_socketdir, socketdir_drift).
struct SocketDir {
  std::string path;
  uid_t owner_uid = 0;
  std::string access_group;
};

// The nft ruleset text (nft -f syntax) equivalent to what apply() loads.
std::string render_nft(const DesiredState& desired);

}  // namespace socketbox::netcfg
