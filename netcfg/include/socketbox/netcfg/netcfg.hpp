// netcfg: the kernel state that steers traffic to sbd, as a library.
// nftables through libnftnl + libmnl, routes through libnl-route-3, socket
// directories through libacl. Knows nothing of sbd or its tables: it is given
// prefixes, ports and a TPROXY port, and makes the kernel hold exactly that.
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "socketbox/unique_fd.hpp"

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

struct Prefix {
  int family = 0;                       // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> addr{};  // first 4 bytes used for AF_INET
  std::uint8_t len = 0;

  // "2001:db8::/64", "192.0.2.0/24", or a bare address (full length).
  // Host bits must be zero.
  static std::optional<Prefix> parse(std::string_view text);
  std::string str() const;
  friend bool operator==(const Prefix&, const Prefix&) = default;
  friend auto operator<=>(const Prefix&, const Prefix&) = default;
};

struct PortRange {
  std::uint16_t lo = 0, hi = 0;  // inclusive
  friend bool operator==(const PortRange&, const PortRange&) = default;
  friend auto operator<=>(const PortRange&, const PortRange&) = default;
};

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

// One [[steer]] block: these prefixes and these TCP ports go to sbd.
struct Steer {
  // A constructor rather than an aggregate: {prefixes, ports} stays valid
  // (and warning-free) now that limits follow.
  Steer() = default;
  Steer(std::vector<Prefix> prefixes_in, std::vector<PortRange> ports_in = {},
        SourceLimits limits_in = {})
      : prefixes(std::move(prefixes_in)), ports(std::move(ports_in)), limits(limits_in) {}
  std::vector<Prefix> prefixes;
  std::vector<PortRange> ports;  // empty = every port
  SourceLimits limits;
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

// What socketbox wants the kernel of one network namespace to hold.
struct DesiredState {
  std::vector<Steer> steers;
  std::uint16_t tproxy_port = 1;  // sbd listens on [::ffff:127.0.0.1]:tproxy_port
  bool local_clients = false;     // processes on the box reach steered addresses too
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
void validate(const DesiredState& desired);

// Reads the socketbox nft table and socketbox's routes of the current netns.
KernelState read_kernel_state();

// What apply(desired) would change, as human-readable lines; empty = nothing.
std::vector<Change> diff(const DesiredState& desired, const KernelState& actual);

// Drift, object by object, for an operator: each object of the socketbox
// table (the table itself, its chain, each set, each rule) and each route
// that `desired` needs and the kernel lacks (Add), holds differently
// (Modify) or holds besides (Remove). `desired` nullopt: nothing of
// socketbox's should be there. Empty = in step.
std::vector<Change> object_drift(const std::optional<DesiredState>& desired,
                                 const KernelState& actual);

// How apply() retries when another tool commits to nftables between its
// reading the kernel and its commit (the kernel refuses the batch then).
struct RetryPolicy {
  int attempts = 8;
  // The wait before attempt n >= 2 is random in [cap/2, cap],
  // cap = min(first_wait * 2^(n-2), max_wait).
  std::chrono::milliseconds first_wait{10};
  std::chrono::milliseconds max_wait{100};
  // Waits between attempts; empty = std::this_thread::sleep_for (tests inject one).
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Makes the kernel hold `desired`: the nft table is replaced in ONE netlink
// batch transaction, routes are added and removed after it. If anything
// fails, what was changed is put back (nft table and routes) and NetcfgError
// is thrown. If the ruleset changed between reading it and the commit, the
// kernel refuses the batch, nothing is changed, and apply reads the kernel
// again and retries under `retry`; when the attempts run out it throws "the
// ruleset kept changing while applying: gave up after N attempts; ...".
// Tests can make it fail at a named point (fault_hook.hpp).
void apply(const DesiredState& desired, const RetryPolicy& retry = {});

// Removes the socketbox nft table and every route tagged kRouteProtocol.
// Whatever the table holds goes, so the batch does not depend on the
// generation and a concurrent writer cannot make it fail.
void remove_all();

// The nft ruleset text (nft -f syntax) equivalent to what apply() loads.
std::string render_nft(const DesiredState& desired);

// Follows the current network namespace's nf_tables commits and route
// changes (netlink notifications, no polling) and says when one may have
// changed what socketbox owns: table inet socketbox or a route tagged
// kRouteProtocol. Other tables' and routes' changes are ignored.
class ChangeMonitor {
 public:
  ChangeMonitor();  // subscribes; throws NetcfgError
  ~ChangeMonitor();
  ChangeMonitor(const ChangeMonitor&) = delete;
  ChangeMonitor& operator=(const ChangeMonitor&) = delete;

  // The descriptors to poll for POLLIN.
  std::array<int, 2> fds() const;
  // Reads every notification waiting on `fd` (one of fds(), without
  // blocking); true if one concerned socketbox or some were lost (a full
  // socket buffer: then nothing is sure).
  bool take(int fd);

 private:
  struct Sockets;
  std::unique_ptr<Sockets> s_;
};

// Enters the named network namespace (/run/netns/NAME) for the lifetime of
// the object and returns to the original one on destruction. Throws
// NetcfgError with a clear message if it does not exist.
class NetnsScope {
 public:
  explicit NetnsScope(const std::string& name);  // empty name = stay
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  UniqueFd original_fd_;
};

// A backend's socket directory with the seed's permission layout: owner root,
// group access_group, mode 2750 (setgid), ACL user:owner_uid:rwx.
struct SocketDir {
  std::string path;
  uid_t owner_uid = 0;
  std::string access_group;
};

// Differences between the directory on disk and the layout; empty = none.
std::vector<std::string> socketdir_drift(const SocketDir& dir);
// Creates the directory (and a 2755 root:access_group parent if missing) or
// repairs its ownership, mode and ACL. Throws NetcfgError.
void ensure_socketdir(const SocketDir& dir);

}  // namespace socketbox::netcfg
