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
  Net net;
  Pos pos;
};

struct SteerBlock {
  std::vector<PrefixEntry> prefixes;
  PortSet ports;  // any when `ports` is absent
  Pos pos;        // the [[steer]] header
  Pos ports_pos;
};

struct RouteTarget {
  enum class Kind { Unix, Reject } kind = Kind::Reject;
  std::string path;  // for Unix
  std::string str() const { return kind == Kind::Reject ? "reject" : "unix:" + path; }
};

struct Route {
  std::optional<Net> dest;  // none = any local address
  PortSet ports;            // any when `port` is absent
  std::optional<Net> from;  // none = any client
  RouteTarget to;
  std::string name;  // optional label
  Pos pos;           // the [[route]] header
  Pos dest_pos, port_pos, from_pos, to_pos;
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
};

// Parses profile text; `source` names it in messages. Throws one ProfileError
// that lists every problem found, each with the position of the offending key
// or value, in file order.
Profile parse_profile(std::string_view text, const std::string& source);
// Reads and parses a file (an unreadable file is a ProfileError without line).
Profile load_profile(const std::string& path);

}  // namespace socketbox::sbctl
