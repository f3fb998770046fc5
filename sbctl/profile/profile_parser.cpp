// Reads a profile with toml++ and checks every key and value, keeping source
// positions so that each error points at what to fix.
#include <sys/un.h>
#include <toml++/toml.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "profile/profile.hpp"
#include "proxy_header.hpp"
#include "target.hpp"

namespace socketbox::sbctl {

std::string SourceLimitConfig::str() const {
  if (!any()) return "none";
  std::string out;
  if (max_conn) out = "max " + std::to_string(max_conn) + " connections";
  if (rate) {
    static const std::map<std::uint32_t, const char*> names = {
        {1, "second"}, {60, "minute"}, {3600, "hour"}, {86400, "day"}};
    const auto u = names.find(rate_unit);
    if (!out.empty()) out += ", ";
    out += "rate " + std::to_string(rate) + "/" + (u != names.end() ? u->second : "?") + " burst " +
           std::to_string(burst);
  }
  return out + " per source /" + std::to_string(prefix6) + " (IPv6), /" + std::to_string(prefix4) +
         " (IPv4)";
}

std::string Route::label() const {
  std::string s = "route";
  if (!name.empty()) s += " '" + name + "'";
  return s + " at line " + std::to_string(pos.line);
}

namespace {

constexpr std::size_t kMaxSunPath = sizeof(sockaddr_un::sun_path) - 1;

Pos pos_of(const toml::source_region& r) { return {r.begin.line, r.begin.column}; }
Pos pos_of(const toml::node& n) { return pos_of(n.source()); }

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

class Reader {
 public:
  explicit Reader(const std::string& source) { p_.source = source; }

  Profile run(const toml::table& root) {
    // A table's own keys, checked against what the section allows.
    for (auto&& [key, node] : root)
      attempt([&, &key = key, &node = node] {
        const std::string k(key.str());
        if (k == "netns") {
          p_.netns = string_of(node, "netns");
          p_.netns_pos = pos_of(node);
          if (p_.netns.empty() || p_.netns.find('/') != std::string::npos || p_.netns == "." ||
              p_.netns == "..")
            fail(node, "'netns' must be a network namespace name (as in /run/netns/NAME)");
        } else if (k == "local_clients") {
          if (!node.is_boolean()) type_fail(node, "local_clients", "true or false");
          p_.local_clients = node.as_boolean()->get();
        } else if (k == "daemon") {
          read_daemon(table_of(node, "daemon", "[daemon]"));
        } else if (k == "steer") {
          for_each_table(node, "steer", [&](const toml::table& t) { read_steer(t); });
        } else if (k == "route") {
          for_each_table(node, "route", [&](const toml::table& t) { read_route(t); });
        } else if (k == "socketdir") {
          for_each_table(node, "socketdir", [&](const toml::table& t) { read_socketdir(t); });
        } else if (k == "relay") {
          read_relay(table_of(node, "relay", "[relay]"));
        } else {
          unknown(key, "",
                  "netns, local_clients, [daemon], [relay], [[steer]], [[route]] or "
                  "[[socketdir]]");
        }
      });
    // Relay routes get their receiving sockets once [relay] is known (keys
    // come sorted by name, so it may be read after the routes).
    attempt([&] { place_relay_sockets(); });
    check_listener_ports();
    // Every problem at once, in file order (toml++ iterates keys sorted by name).
    if (!problems_.empty()) throw ProfileError(p_.source, std::move(problems_));
    return std::move(p_);
  }

 private:
  // Runs one check; a problem it finds is recorded and the next check goes on.
  template <typename F>
  void attempt(F&& check) {
    try {
      check();
    } catch (const ProfileError& e) {
      problems_.push_back({e.pos(), e.message()});
    }
  }

  [[noreturn]] void fail(Pos pos, const std::string& msg) const {
    throw ProfileError(p_.source, pos, msg);
  }
  [[noreturn]] void fail(const toml::node& n, const std::string& msg) const {
    fail(pos_of(n), msg);
  }
  [[noreturn]] void type_fail(const toml::node& n, const std::string& key,
                              const std::string& want) const {
    fail(n, "'" + key + "' must be " + want + ", not " + type_name(n.type()));
  }
  [[noreturn]] void unknown(const toml::key& key, const std::string& section,
                            const std::string& allowed) const {
    fail(pos_of(key.source()), "unknown key '" + std::string(key.str()) + "'" +
                                   (section.empty() ? "" : " in " + section) + " (expected " +
                                   allowed + ")");
  }

  std::string string_of(const toml::node& n, const std::string& key) const {
    if (!n.is_string()) type_fail(n, key, "a string");
    return n.as_string()->get();
  }

  const toml::table& table_of(const toml::node& n, const std::string& key,
                              const std::string& how) const {
    if (!n.is_table()) fail(n, "'" + key + "' must be a table (write " + how + ")");
    return *n.as_table();
  }

  void for_each_table(const toml::node& n, const std::string& key,
                      const std::function<void(const toml::table&)>& f) {
    if (!n.is_array_of_tables())
      fail(n, "'" + key + "' must be an array of tables (write [[" + key + "]] above each one)");
    for (const toml::node& e : *n.as_array()) attempt([&] { f(*e.as_table()); });
  }

  std::string absolute_path(const toml::node& n, const std::string& key) const {
    std::string s = string_of(n, key);
    if (s.empty() || s[0] != '/')
      fail(n, "'" + key + "' must be an absolute path, got '" + s + "'");
    return s;
  }

  // A socket path as the table format and sockaddr_un can hold it.
  void check_socket_path(const toml::node& n, const std::string& what,
                         const std::string& path) const {
    if (path.size() > kMaxSunPath)
      fail(n, what + " is " + std::to_string(path.size()) + " bytes; at most " +
                  std::to_string(kMaxSunPath) + " fit in a Unix socket address (sun_path)");
    for (char c : path)
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0')
        fail(n, what + " contains white space, which the table format cannot hold");
  }

  Prefix net_of(const toml::node& n, const std::string& key) const {
    const std::string s = string_of(n, key);
    std::string err;
    const auto net = Prefix::parse(s, err);
    if (!net) fail(n, "'" + key + "': " + err);
    return *net;
  }

  PortRange port_item(const toml::node& n, const std::string& key) const {
    if (n.is_integer()) {
      const std::int64_t v = n.as_integer()->get();
      if (v < 1 || v > 65535)
        fail(n, "'" + key + "': port " + std::to_string(v) + " is out of range (1 to 65535)");
      return {static_cast<std::uint16_t>(v), static_cast<std::uint16_t>(v)};
    }
    if (n.is_string()) {
      std::string err;
      const auto r = parse_port_text(n.as_string()->get(), err);
      if (!r) fail(n, "'" + key + "': " + err);
      return *r;
    }
    type_fail(n, key, "a port number, a \"LO-HI\" range or a list of them");
  }

  PortSet ports_of(const toml::node& n, const std::string& key) {
    std::vector<PortRange> ranges;
    if (const toml::array* a = n.as_array()) {
      if (a->empty()) fail(n, "'" + key + "' is an empty list; leave it out to mean every port");
      for (const toml::node& e : *a) attempt([&] { ranges.push_back(port_item(e, key)); });
    } else {
      ranges.push_back(port_item(n, key));
    }
    return PortSet(std::move(ranges));
  }

  void read_daemon(const toml::table& t) {
    p_.daemon.pos = pos_of(t);
    for (auto&& [key, node] : t)
      attempt([&, &key = key, &node = node] {
        const std::string k(key.str());
        if (k == "listen") {
          p_.daemon.listen = string_of(node, "listen");
          p_.daemon.tproxy_port = listen_port(node, p_.daemon.listen);
        } else if (k == "table") {
          p_.daemon.table = absolute_path(node, "table");
        } else if (k == "control") {
          p_.daemon.control = absolute_path(node, "control");
          check_socket_path(node, "control socket path", p_.daemon.control);
        } else {
          unknown(key, "[daemon]", "listen, table or control");
        }
      });
  }

  // sbd's socket must be the TPROXY target the kernel side installs:
  // [::ffff:127.0.0.1]:PORT (the address both ip and ip6 TPROXY can reach).
  std::uint16_t listen_port(const toml::node& n, const std::string& s) const {
    const std::string want = "[::ffff:127.0.0.1]:";
    if (s.rfind(want, 0) != 0)
      fail(n,
           "'listen' must be \"[::ffff:127.0.0.1]:PORT\" (the TPROXY target for IPv6 and IPv4), "
           "got '" +
               s + "'");
    std::string err;
    const auto r = parse_port_text(s.substr(want.size()), err);
    if (!r || r->lo != r->hi) fail(n, "'listen': " + (r ? "a single port is needed" : err));
    return r->lo;
  }

  std::int64_t int_in(const toml::node& n, const std::string& key, std::int64_t lo, std::int64_t hi,
                      const std::string& want) const {
    if (!n.is_integer()) type_fail(n, key, want);
    const std::int64_t v = n.as_integer()->get();
    if (v < lo || v > hi) fail(n, "'" + key + "' must be " + want + ", got " + std::to_string(v));
    return v;
  }

  // rate_per_source = "20/second": new connections per second, minute, hour or day.
  void read_rate(const toml::node& n, SourceLimitConfig& l) const {
    const std::string s = string_of(n, "rate_per_source");
    const std::string want =
        "'rate_per_source' must be \"N/second\", \"N/minute\", \"N/hour\" or \"N/day\" with N "
        "from 1 to 1000000, got '" +
        s + "'";
    const auto slash = s.find('/');
    if (slash == std::string::npos || slash == 0 || slash > 7) fail(n, want);
    std::uint32_t count = 0;
    for (std::size_t i = 0; i < slash; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) fail(n, want);
      count = count * 10 + static_cast<std::uint32_t>(s[i] - '0');
    }
    if (count == 0 || count > 1000000) fail(n, want);
    static const std::map<std::string, std::uint32_t> units = {
        {"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}};
    const auto u = units.find(s.substr(slash + 1));
    if (u == units.end()) fail(n, want);
    l.rate = count;
    l.rate_unit = u->second;
  }

  void read_steer(const toml::table& t) {
    SteerBlock s;
    s.pos = pos_of(t);
    bool have_prefixes = false;
    const toml::node* burst_node = nullptr;
    for (auto&& [key, node] : t)
      attempt([&, &key = key, &node = node] {
        const std::string k(key.str());
        if (k == "prefixes") {
          have_prefixes = true;
          if (node.is_string()) {
            s.prefixes.push_back({net_of(node, "prefixes"), pos_of(node)});
          } else if (const toml::array* a = node.as_array()) {
            if (a->empty())
              fail(node, "'prefixes' is empty; a [[steer]] block needs at least one prefix");
            for (const toml::node& e : *a)
              attempt([&] { s.prefixes.push_back({net_of(e, "prefixes"), pos_of(e)}); });
          } else {
            type_fail(node, "prefixes", "a list of prefixes");
          }
        } else if (k == "ports") {
          s.ports = ports_of(node, "ports");
          s.ports_pos = pos_of(node);
        } else if (k == "max_conn_per_source") {
          s.limits.max_conn = static_cast<std::uint32_t>(
              int_in(node, k, 1, 1000000, "a number of connections from 1 to 1000000"));
          s.limits.max_conn_pos = pos_of(node);
        } else if (k == "rate_per_source") {
          read_rate(node, s.limits);
          s.limits.rate_pos = pos_of(node);
        } else if (k == "rate_burst") {
          burst_node = &node;
          s.limits.burst = static_cast<std::uint32_t>(
              int_in(node, k, 1, 1000000, "a number of connections from 1 to 1000000"));
        } else if (k == "source_prefix6") {
          s.limits.prefix6 =
              static_cast<std::uint8_t>(int_in(node, k, 1, 128, "a prefix length from 1 to 128"));
        } else if (k == "source_prefix4") {
          s.limits.prefix4 =
              static_cast<std::uint8_t>(int_in(node, k, 1, 32, "a prefix length from 1 to 32"));
        } else if (k == "tproxy_port") {
          s.tproxy_port =
              static_cast<std::uint16_t>(int_in(node, k, 1, 65535, "a port from 1 to 65535"));
        } else {
          unknown(key, "[[steer]]",
                  "prefixes, ports, max_conn_per_source, rate_per_source, rate_burst, "
                  "source_prefix6, source_prefix4 or tproxy_port");
        }
      });
    if (burst_node && s.limits.rate == 0)
      attempt([&] { fail(*burst_node, "'rate_burst' needs 'rate_per_source' in the same block"); });
    if (!have_prefixes) fail(s.pos, "[[steer]] needs 'prefixes' (the addresses to send to sbd)");
    p_.steers.push_back(std::move(s));
  }

  // to = ["unix:/a", "unix:/b", ...]: sockets sbd tries in order.
  void read_failover(const toml::array& list, const toml::node& node, RouteTarget& to) {
    if (list.size() < 2 || list.size() > kMaxFailoverTargets)
      fail(node, "'to' lists " + std::to_string(list.size()) + " target" +
                     (list.size() == 1 ? "" : "s") + "; a failover list takes 2 to " +
                     std::to_string(kMaxFailoverTargets) + " \"unix:/PATH\" targets");
    to.kind = RouteTarget::Kind::Unix;
    for (const toml::node& e : list) {
      const std::string s = string_of(e, "to");
      if (s.rfind("unix:", 0) != 0)
        fail(e, "'to': a failover list takes only \"unix:/PATH\" targets, got '" + s + "'");
      const std::string path = s.substr(5);
      if (path.empty() || path[0] != '/')
        fail(e, "'to': the socket path after 'unix:' must be absolute, got '" + path + "'");
      check_socket_path(e, "'to' socket path", path);
      // The table's jump-unix-any separates its paths with commas.
      if (path.find(',') != std::string::npos)
        fail(e,
             "'to' socket path in a failover list contains ',', which the table format "
             "cannot hold there");
      for (std::size_t i = 0; i < to.failover.size(); ++i)
        if (to.failover[i] == path)
          fail(e, "'to' lists unix:" + path + " twice (first at column " +
                      std::to_string(to.failover_pos[i].column) + ")");
      to.failover.push_back(path);
      to.failover_pos.push_back(pos_of(e));
    }
    to.path = to.failover[0];
  }

  void read_route(const toml::table& t) {
    Route r;
    r.pos = pos_of(t);
    bool have_to = false;
    const toml::node *proxy_node = nullptr, *name_node = nullptr;
    for (auto&& [key, node] : t)
      attempt([&, &key = key, &node = node] {
        const std::string k(key.str());
        if (k == "dest") {
          r.dest = net_of(node, "dest");
          r.dest_pos = pos_of(node);
        } else if (k == "port") {
          r.ports = ports_of(node, "port");
          r.port_pos = pos_of(node);
          if (r.ports.count() > kMaxRoutePorts)
            fail(node, "'port' covers " + std::to_string(r.ports.count()) +
                           " ports; a route compiles to one table "
                           "rule per port and may have at most " +
                           std::to_string(kMaxRoutePorts) +
                           " (leave 'port' out to match every port)");
        } else if (k == "from") {
          r.from = net_of(node, "from");
          r.from_pos = pos_of(node);
        } else if (k == "to") {
          have_to = true;
          r.to_pos = pos_of(node);
          if (const toml::array* list = node.as_array()) return read_failover(*list, node, r.to);
          const std::string s = string_of(node, "to");
          if (s == "reject") {
            r.to.kind = RouteTarget::Kind::Reject;
          } else if (s.rfind("unix:", 0) == 0) {
            r.to.kind = RouteTarget::Kind::Unix;
            r.to.path = s.substr(5);
            if (r.to.path.empty() || r.to.path[0] != '/')
              fail(node,
                   "'to': the socket path after 'unix:' must be absolute, got '" + r.to.path + "'");
            check_socket_path(node, "'to' socket path", r.to.path);
          } else if (s.rfind("relay:", 0) == 0) {
            r.to.kind = RouteTarget::Kind::Relay;
            r.to.relay_target = s.substr(6);
            relay::Target parsed;
            std::string err;
            if (!relay::parse_target(r.to.relay_target, parsed, err)) fail(node, "'to': " + err);
            if (r.to.relay_target.rfind("unix:", 0) == 0 && r.to.relay_target[5] != '/')
              fail(node,
                   "'to': the relay's socket path after 'relay:unix:' must be absolute, got '" +
                       r.to.relay_target.substr(5) + "'");
            check_socket_path(node, "'to' relay target", r.to.relay_target);
          } else {
            fail(node,
                 "'to' must be \"unix:/PATH\", a list of them, \"relay:tcp:HOST:PORT\", "
                 "\"relay:unix:/PATH\" or \"reject\", got '" +
                     s + "'");
          }
        } else if (k == "proxy") {
          proxy_node = &node;
          r.proxy_pos = pos_of(node);
          r.to.proxy = string_of(node, "proxy");
          relay::ProxyVersion v;
          if (!relay::parse_proxy_version(r.to.proxy, v))
            fail(node, "'proxy' must be \"v1\", \"v2\" or \"none\", got '" + r.to.proxy + "'");
        } else if (k == "name") {
          r.name = string_of(node, "name");
          name_node = &node;
        } else if (k == "handoff") {
          r.handoff_pos = pos_of(node);
          const std::string h = string_of(node, "handoff");
          if (h != "connection" && h != "listener")
            fail(node, "'handoff' must be \"connection\" or \"listener\", got '" + h + "'");
          r.listener = h == "listener";
        } else if (k == "listener_port") {
          r.listener_port_pos = pos_of(node);
          if (!node.is_integer()) type_fail(node, "listener_port", "a port number");
          const std::int64_t v = node.as_integer()->get();
          if (v < 1 || v > 65535)
            fail(node, "'listener_port' must be 1 to 65535, got " + std::to_string(v));
          r.listener_port = static_cast<std::uint16_t>(v);
        } else {
          unknown(key, "[[route]]", "dest, port, from, to, proxy, name, handoff or listener_port");
        }
      });
    if (!have_to)
      fail(r.pos,
           "[[route]] needs 'to' (\"unix:/PATH\", a list of them, \"relay:TARGET\" or "
           "\"reject\")");
    if (proxy_node && r.to.kind != RouteTarget::Kind::Relay)
      attempt([&] {
        fail(*proxy_node, "'proxy' is for relay routes only (to = \"relay:...\"); " + r.label() +
                              " goes to " + r.to.str());
      });
    if (r.listener || r.listener_port != 0) attempt([&] { check_listener_route(r); });
    if (r.to.kind == RouteTarget::Kind::Relay && name_node)
      attempt([&] {
        for (char c : r.name)
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            fail(*name_node,
                 "'name' of a relay route names its receiving socket file: use letters, digits, "
                 "'-', '_' and '.', got '" +
                     r.name + "'");
        if (r.name.empty() || r.name[0] == '.')
          fail(*name_node, "'name' of a relay route must not be empty or start with '.'");
      });
    p_.routes.push_back(std::move(r));
  }

  // What a route with handoff = "listener" needs on its own; how it stands
  // beside the other routes is check_listener_ports()'s.
  void check_listener_route(const Route& r) {
    if (!r.listener)
      fail(r.listener_port_pos, "'listener_port' is for routes with handoff = \"listener\"; " +
                                    r.label() + " is handed off per connection");
    const Pos at = r.handoff_pos;
    if (r.listener_port == 0 && r.listener_port_pos.line == 0)  // (a bad one is its own error)
      fail(at, r.label() +
                   " needs 'listener_port', the port of its listening socket on "
                   "[::ffff:127.0.0.1] (one nothing else listens on)");
    if (r.to.kind == RouteTarget::Kind::Reject || !r.to.failover.empty())
      fail(r.to_pos.line ? r.to_pos : at,
           "a listener route goes to one server: 'to' must be one \"unix:/PATH\" or a "
           "\"relay:TARGET\", got " +
               r.to.str());
    if (!r.dest) fail(at, "a listener route needs 'dest': nft steers its addresses to it");
    if (r.ports.any()) fail(at, "a listener route needs 'port': nft steers its ports to it");
    if (r.from)
      fail(r.from_pos,
           "'from' cannot choose a listener route: its listening socket takes every client; "
           "hand this route off per connection (leave out 'handoff')");
  }

  // Listener routes are steered by nft before sbd sees a connection, so one
  // must not overlap a route before it (first match would change) and each
  // has a port of its own.
  void check_listener_ports() {
    std::map<std::uint16_t, const Route*> ports;
    for (std::size_t i = 0; i < p_.routes.size(); ++i) {
      const Route& r = p_.routes[i];
      if (!r.listener || r.listener_port == 0 || !r.dest) continue;
      attempt([&] {
        const Pos at = r.listener_port_pos;
        if (r.listener_port == p_.daemon.tproxy_port)
          fail(at, "'listener_port' " + std::to_string(r.listener_port) +
                       " is sbd's own port ([daemon] listen); choose another");
        const auto [it, added] = ports.emplace(r.listener_port, &r);
        if (!added)
          fail(at, "'listener_port' " + std::to_string(r.listener_port) + " is also " +
                       it->second->label() + "'s; each listener route needs its own");
        for (std::size_t j = 0; j < i; ++j) {
          const Route& e = p_.routes[j];
          const bool dest = !e.dest || e.dest->overlaps(*r.dest);
          if (dest && e.ports.intersects(r.ports))
            fail(r.pos, r.label() + " overlaps " + e.label() +
                            " before it; nft steers a listener route before sbd looks at any "
                            "route, so put it first or make them disjoint");
        }
      });
    }
  }

  void read_socketdir(const toml::table& t) {
    SocketDirConfig d;
    d.pos = pos_of(t);
    bool have_path = false, have_uid = false;
    for (auto&& [key, node] : t)
      attempt([&, &key = key, &node = node] {
        const std::string k(key.str());
        if (k == "path") {
          have_path = true;
          d.path = absolute_path(node, "path");
          d.path_pos = pos_of(node);
          while (d.path.size() > 1 && d.path.back() == '/') d.path.pop_back();
          if (d.path == "/") fail(node, "'path' must not be the root directory");
        } else if (k == "owner_uid") {
          have_uid = true;
          if (!node.is_integer()) type_fail(node, "owner_uid", "an integer user id");
          const std::int64_t v = node.as_integer()->get();
          if (v < 0 || v > 0xfffffffeLL)
            fail(node, "'owner_uid' must be 0 to 4294967294, got " + std::to_string(v));
          d.owner_uid = static_cast<uid_t>(v);
        } else if (k == "access_group") {
          d.access_group = string_of(node, "access_group");
          if (d.access_group.empty()) fail(node, "'access_group' must not be empty");
        } else {
          unknown(key, "[[socketdir]]", "path, owner_uid or access_group");
        }
      });
    if (!have_path) fail(d.pos, "[[socketdir]] needs 'path'");
    if (!have_uid)
      fail(d.pos, "[[socketdir]] needs 'owner_uid' (the uid that creates sockets there)");
    p_.socketdirs.push_back(std::move(d));
  }

  void read_relay(const toml::table& t) {
    p_.relay.pos = pos_of(t);
    for (auto&& [key, node] : t)
      attempt([&, &key = key, &node = node] {
        const std::string k(key.str());
        if (k == "config") {
          p_.relay.config = absolute_path(node, "config");
        } else if (k == "control") {
          p_.relay.control = absolute_path(node, "control");
          check_socket_path(node, "relay control socket path", p_.relay.control);
        } else if (k == "socket_dir") {
          p_.relay.socket_dir = absolute_path(node, "socket_dir");
          p_.relay.socket_dir_pos = pos_of(node);
          while (p_.relay.socket_dir.size() > 1 && p_.relay.socket_dir.back() == '/')
            p_.relay.socket_dir.pop_back();
          if (p_.relay.socket_dir == "/") fail(node, "'socket_dir' must not be the root directory");
        } else {
          unknown(key, "[relay]", "config, control or socket_dir");
        }
      });
  }

  // SOCKET_DIR/NAME.sock for each relay route (NAME: its name, or
  // route-N by its place in the file); each socket at most once.
  void place_relay_sockets() {
    std::map<std::string, const Route*> seen;
    for (std::size_t i = 0; i < p_.routes.size(); ++i) {
      Route& r = p_.routes[i];
      if (r.to.kind != RouteTarget::Kind::Relay) continue;
      const std::string name = r.name.empty() ? "route-" + std::to_string(i + 1) : r.name;
      r.to.path = p_.relay.socket_dir + "/" + name + ".sock";
      attempt([&] {
        const Pos where = r.to_pos;
        if (r.to.path.size() > kMaxSunPath)
          fail(where, "the relay socket of " + r.label() + ", " + r.to.path + ", is " +
                          std::to_string(r.to.path.size()) + " bytes; at most " +
                          std::to_string(kMaxSunPath) +
                          " fit in a Unix socket address (shorten [relay] socket_dir or the name)");
        for (char c : r.to.path)
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            fail(where,
                 "[relay] socket_dir contains white space, which the table format cannot "
                 "hold");
        auto [it, added] = seen.emplace(r.to.path, &r);
        if (!added)
          fail(r.pos.line ? r.pos : where, r.label() + " relays through " + r.to.path +
                                               ", already used by " + it->second->label() +
                                               ": give relay routes different names");
      });
    }
  }

  Profile p_;
  std::vector<Problem> problems_;
};

}  // namespace

Profile parse_profile(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ProfileError(source, pos_of(e.source()), std::string(e.description()));
  }
  return Reader(source).run(root);
}

Profile load_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ProfileError(path, {}, "cannot read profile: " + std::string(std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_profile(ss.str(), path);
}

}  // namespace socketbox::sbctl
