// A socketbox profile: the one file an operator writes. sbctl compiles it to
// kernel state (netcfg::DesiredState) and to sbd's rule table. Every element
// remembers where it was written so that messages can point at it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "profile/net.hpp"
#include "profile/position.hpp"

namespace socketbox::sbctl {

inline constexpr const char* kDefaultListen = "[::ffff:127.0.0.1]:1";
inline constexpr const char* kDefaultTablePath = "/etc/socketbox/sbd.conf";
inline constexpr const char* kDefaultControlPath = "/run/socketbox/sbd.ctl";
inline constexpr const char* kDefaultAccessGroup = "socketbox-access";
// sb-relay's side (docs/relay.md, dist/systemd/sb-relay.service): its config
// file next to sbd's table, its control socket, and the directory of its
// receiving sockets (made 2750 socketbox-relay:socketbox-access by tmpfiles.d).
inline constexpr const char* kDefaultRelayConfigPath = "/etc/socketbox/relay.toml";
inline constexpr const char* kDefaultRelayControlPath = "/run/socketbox/relay.ctl";
inline constexpr const char* kDefaultRelaySocketDir = "/run/socketbox/relay";
// A route's port list becomes one table rule (or map entry) per port; more
// than this is refused rather than silently producing a huge table.
inline constexpr std::size_t kMaxRoutePorts = 1024;

struct DaemonConfig {
  std::string listen = kDefaultListen;
  std::uint16_t tproxy_port = 1;  // the port of `listen`
  std::string table = kDefaultTablePath;
  std::string control = kDefaultControlPath;
  Pos pos;
};

struct PrefixEntry {
  Prefix net;
  Pos pos;
};

// Per-source limits of a [[steer]] block, enforced by nft before sbd.
struct SourceLimitConfig {
  std::uint32_t max_conn = 0;   // max_conn_per_source; 0 = absent
  std::uint32_t rate = 0;       // rate_per_source "N/UNIT"; 0 = absent
  std::uint32_t rate_unit = 1;  // seconds per UNIT
  std::uint32_t burst = 5;      // rate_burst (nft's default)
  std::uint8_t prefix6 = 64;    // source_prefix6
  std::uint8_t prefix4 = 32;    // source_prefix4
  Pos max_conn_pos, rate_pos;
  bool any() const { return max_conn != 0 || rate != 0; }
  // "max 20 connections, rate 20/second burst 5 per source /64 (IPv6), /32 (IPv4)"
  std::string str() const;
};

struct SteerBlock {
  std::vector<PrefixEntry> prefixes;
  PortSet ports;  // any when `ports` is absent
  Pos pos;        // the [[steer]] header
  Pos ports_pos;
  SourceLimitConfig limits;
  // Another transparent listener than sbd's to steer to (0 = sbd's). sbctl
  // writes it in its snapshots for listener routes' blocks.
  std::uint16_t tproxy_port = 0;
};

// [relay]: where sbctl writes sb-relay's configuration and how it reaches it.
struct RelaySettings {
  std::string config = kDefaultRelayConfigPath;
  std::string control = kDefaultRelayControlPath;
  std::string socket_dir = kDefaultRelaySocketDir;
  Pos pos, socket_dir_pos;
};

// A failover list (`to = ["unix:/a", "unix:/b"]`) takes 2 to this many
// targets, as the table's jump-unix-any does.
inline constexpr std::size_t kMaxFailoverTargets = 16;

struct RouteTarget {
  enum class Kind { Unix, Reject, Relay } kind = Kind::Reject;
  // Unix: the server's socket (with a failover list, the first). Relay:
  // sb-relay's receiving socket for this route, SOCKET_DIR/NAME.sock
  // (derived once the whole profile is read).
  std::string path;
  // Unix with a failover list: every socket in the order sbd tries them
  // (failover[0] == path); empty for a single target.
  std::vector<std::string> failover;
  std::vector<Pos> failover_pos;  // where each was written
  std::string relay_target;       // Relay: "tcp:HOST:PORT" or "unix:PATH", as sb-relay reads it
  std::string proxy = "none";     // Relay: "v1", "v2" or "none"
  // The sockets sbd sends to: every one of a failover list, else path.
  std::vector<std::string> socket_paths() const {
    if (kind == Kind::Reject) return {};
    return failover.empty() ? std::vector<std::string>{path} : failover;
  }
  std::string str() const {
    if (kind == Kind::Unix && !failover.empty()) {
      std::string s = "[";
      for (const auto& f : failover) s += (s.size() > 1 ? ", \"unix:" : "\"unix:") + f + "\"";
      return s + "]";
    }
    return kind == Kind::Reject ? "reject"
           : kind == Kind::Unix ? "unix:" + path
                                : "relay:" + relay_target;
  }
  // Where sbd sends the connection: "unix:PATH" (also for a relay),
  // "unix-any:PATH,PATH,..." for a failover list, or "closed".
  std::string sbd_verdict() const {
    if (kind == Kind::Reject) return "closed";
    if (failover.empty()) return "unix:" + path;
    std::string s = "unix-any:";
    for (const auto& f : failover) s += (s.back() == ':' ? "" : ",") + f;
    return s;
  }
};

struct Route {
  std::optional<Prefix> dest;  // none = any local address
  PortSet ports;               // any when `port` is absent
  std::optional<Prefix> from;  // none = any client
  RouteTarget to;
  std::string name;  // optional label
  // handoff = "listener": nft steers the route to a listening socket of its
  // own on [::ffff:127.0.0.1]:listener_port, which the server receives once
  // and accepts from natively; sbd sees none of its connections.
  bool listener = false;
  std::uint16_t listener_port = 0;
  Pos pos;  // the [[route]] header
  Pos dest_pos, port_pos, from_pos, to_pos, proxy_pos, handoff_pos, listener_port_pos;
  // "route at LINE" or "route 'NAME' at LINE", for messages.
  std::string label() const;
};

struct SocketDirConfig {
  std::string path;
  uid_t owner_uid = 0;
  std::string access_group = kDefaultAccessGroup;
  Pos pos, path_pos;
};

struct Profile {
  std::string source;  // file name, for messages
  std::string netns;   // empty = the current namespace
  Pos netns_pos;
  bool local_clients = false;
  DaemonConfig daemon;
  std::vector<SteerBlock> steers;
  std::vector<Route> routes;
  std::vector<SocketDirConfig> socketdirs;
  RelaySettings relay;
  bool has_listener_routes() const {
    for (const auto& r : routes)
      if (r.listener) return true;
    return false;
  }
  bool has_relay_routes() const {
    for (const auto& r : routes)
      if (r.to.kind == RouteTarget::Kind::Relay) return true;
    return false;
  }
};

// Parses profile text; `source` names it in messages. Throws one ProfileError
// that lists every problem found, each with the position of the offending key
// or value, in file order.
Profile parse_profile(std::string_view text, const std::string& source);
// Reads and parses a file (an unreadable file is a ProfileError without line).
Profile load_profile(const std::string& path);

}  // namespace socketbox::sbctl
