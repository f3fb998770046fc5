#include "compile/table_compiler.hpp"

#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "socketbox/table/parser.hpp"
#include "socketbox/table/writer.hpp"

namespace socketbox::sbctl {
namespace {

// A map set is worth it from two single-address routes on.
constexpr std::size_t kMinMapRun = 2;
// Up to this many distinct ports, a map set is entered by one rule per port
// (so other ports skip it); above, by one rule for every port.
constexpr std::size_t kMaxJumpPorts = 64;

// The profile's file name without directories: the table text must not
// depend on the directory sbctl was run from.
std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string route_comment(const Profile& p, const Route& r, std::size_t index) {
  std::string s = "route " + std::to_string(index + 1) + " (" + base_name(p.source) + ":" +
                  std::to_string(r.pos.line) + ")";
  if (!r.name.empty()) s += " " + r.name;
  s += ": dest " + (r.dest ? r.dest->str() : std::string("any")) + " port " + r.ports.str();
  if (r.from) s += " from " + r.from->str();
  s += " -> " + r.to.str();
  if (r.to.kind == RouteTarget::Kind::Relay)
    s += " (proxy " + r.to.proxy + ", through sb-relay at " + r.to.path + ")";
  return s;
}

bool groupable(const Route& r) { return r.dest && r.dest->is_host() && !r.from && !r.listener; }

// Builds the table and the notes that trace its lines back to routes; the
// table writer formats both.
class Compiler {
 public:
  explicit Compiler(const Profile& p) : p_(p) {}

  CompiledTable run() {
    new_rule_set();
    const auto& routes = p_.routes;
    for (std::size_t i = 0; i < routes.size();) {
      if (routes[i].listener) {
        // nft steers it to its own listening socket; sbd only holds that
        // socket and hands it to the server.
        t_.listeners.push_back({routes[i].listener_port, routes[i].to.path, {}});
        ++i;
        continue;
      }
      const std::size_t end = run_end(i);
      if (end - i < kMinMapRun) {
        emit_rules(i);
        ++i;
        continue;
      }
      const std::size_t current = t_.rule_sets.size() - 1;
      emit_map(i, end);
      if (end < routes.size()) {
        // What the map does not take goes on with the routes after it.
        const table::Action next{table::ActionKind::JumpRule,
                                 static_cast<std::uint32_t>(current + 1)};
        t_.rule_sets[current].default_action = next;
        t_.map_sets.back().default_action = next;
        new_rule_set();
      }
      i = end;
    }
    return finish();
  }

 private:
  void new_rule_set() {
    table::RuleSet r;
    r.id = static_cast<std::uint32_t>(t_.rule_sets.size());
    t_.rule_sets.push_back(std::move(r));
    n_.rules.emplace_back();
    n_.order.push_back({false, t_.rule_sets.size() - 1});
  }

  // End of the run of map-able routes starting at i: consecutive single
  // addresses without `from`, all with the same ports or all with finite
  // port lists (then the map is keyed by address and port).
  std::size_t run_end(std::size_t i) const {
    const auto& routes = p_.routes;
    std::size_t j = i;
    bool same = true, finite = true;
    while (j < routes.size() && groupable(routes[j])) {
      const bool s = same && routes[j].ports == routes[i].ports;
      const bool f = finite && !routes[j].ports.any();
      if (!s && !f) break;
      same = s;
      finite = f;
      ++j;
    }
    return j;
  }

  std::uint32_t target_of(const std::string& path) {
    const auto [it, added] = targets_.try_emplace(path, t_.targets.size());
    if (added) t_.targets.push_back(table::make_target(path));
    return static_cast<std::uint32_t>(it->second);
  }

  table::Action action_of(const Route& r) {
    if (r.to.kind == RouteTarget::Kind::Reject) return {};
    if (r.to.failover.empty()) return {table::ActionKind::Unix, target_of(r.to.path)};
    // A failover list: jump-unix-any, each list stored once however many
    // routes (or ports) name it, as the parser stores it.
    const auto [it, added] = lists_.try_emplace(r.to.sbd_verdict(), t_.target_lists.size());
    if (added) {
      t_.target_lists.push_back({static_cast<std::uint32_t>(t_.list_targets.size()),
                                 static_cast<std::uint32_t>(r.to.failover.size())});
      for (const std::string& path : r.to.failover) t_.list_targets.push_back(target_of(path));
    }
    return {table::ActionKind::UnixAny, static_cast<std::uint32_t>(it->second)};
  }

  void add_rule(table::Rule rule, table::LineNote note) {
    t_.rule_sets.back().rules.push_back(rule);
    n_.rules.back().push_back(std::move(note));
  }

  void emit_rules(std::size_t ri) {
    const Route& r = p_.routes[ri];
    table::Rule rule;
    if (r.dest && r.dest->len != 0) {
      rule.lip = r.dest->addr;
      rule.lip_mask = r.dest->mask();
    }
    if (r.from && r.from->len != 0) {
      rule.rip = r.from->addr;
      rule.rip_mask = r.from->mask();
    }
    rule.action = action_of(r);
    const long tag = static_cast<long>(ri);
    std::string comment = route_comment(p_, r, ri);
    if (r.ports.any()) return add_rule(rule, {std::move(comment), "", tag});
    for (std::uint16_t port : r.ports.expand()) {
      rule.match_lport = true;
      rule.lport = port;
      add_rule(rule, {std::exchange(comment, {}), "", tag});
    }
  }

  void emit_map(std::size_t first, std::size_t end) {
    const auto& routes = p_.routes;
    bool same = true, any = false;
    std::vector<PortRange> ranges;  // merged once: united() per route re-sorted them all
    for (std::size_t k = first; k < end; ++k) {
      same = same && routes[k].ports == routes[first].ports;
      any = any || routes[k].ports.any();
      ranges.insert(ranges.end(), routes[k].ports.ranges().begin(), routes[k].ports.ranges().end());
    }
    const PortSet all_ports = any ? PortSet() : PortSet(std::move(ranges));
    table::MapSet m;
    m.id = static_cast<std::uint32_t>(t_.map_sets.size() + 1);
    const std::string map_name = "map-set:" + std::to_string(m.id);
    const std::string range = std::to_string(first + 1) + "-" + std::to_string(end);

    // Jump rules into the map, from the current rule set.
    table::Rule jump;
    jump.action = {table::ActionKind::JumpMap, static_cast<std::uint32_t>(t_.map_sets.size())};
    std::string comment = "routes " + range + " (" + base_name(p_.source) + " lines " +
                          std::to_string(routes[first].pos.line) + "-" +
                          std::to_string(routes[end - 1].pos.line) +
                          "): single addresses, looked up in " + map_name;
    if (all_ports.any() || all_ports.count() > kMaxJumpPorts) {
      add_rule(jump, {std::move(comment), "", -1});
    } else {
      for (std::uint16_t port : all_ports.expand()) {
        jump.match_lport = true;
        jump.lport = port;
        add_rule(jump, {std::exchange(comment, {}), "", -1});
      }
    }

    // Keyed by address alone only when every route has the same ports and the
    // jump rules above check them; otherwise the key includes the port.
    const bool by_port = !all_ports.any() && (!same || all_ports.count() > kMaxJumpPorts);
    m.spec.lip_mask = table::Addr::prefix_mask(128);
    m.spec.lport = by_port;
    std::vector<table::LineNote> notes;
    for (std::size_t k = first; k < end; ++k) {
      const Route& r = routes[k];
      table::LineNote note{"",
                           "route " + std::to_string(k + 1) + " (line " +
                               std::to_string(r.pos.line) + ")" +
                               (r.name.empty() ? "" : " " + r.name),
                           static_cast<long>(k)};
      table::Tuple key;
      key.local = r.dest->addr;
      const table::Action a = action_of(r);
      // add() keeps the first route of a repeated key, as first match does.
      if (!by_port) {
        if (m.add(key, a, {}) < 0) notes.push_back(note);
        continue;
      }
      for (std::uint16_t port : r.ports.expand()) {
        key.lport = port;
        if (m.add(key, a, {}) < 0) notes.push_back(note);
      }
    }
    m.seal();
    n_.map_set_comment.resize(t_.map_sets.size());
    n_.map_set_comment.push_back(map_name + ": routes " + range +
                                 (by_port ? ", keyed by address and port" : ", keyed by address"));
    n_.entries.resize(t_.map_sets.size());
    n_.entries.push_back(std::move(notes));
    t_.map_sets.push_back(std::move(m));
    n_.order.push_back({true, t_.map_sets.size() - 1});
  }

  CompiledTable finish() {
    n_.header = {"generated by sbctl from " + base_name(p_.source) + "; do not edit",
                 std::to_string(p_.routes.size()) +
                     " routes; first match wins; no match closes the connection"};
    table::WrittenTable w = table::format_table(t_, n_);
    CompiledTable c;
    c.text = std::move(w.text);
    c.route_of_line = std::move(w.tag_of_line);
    // Read back as sbd will: proof that it loads, and the table explain
    // traces (its positions are lines of this text).
    try {
      c.table = table::parse_table(c.text, "<compiled table>");
    } catch (const table::ParseError& e) {
      throw std::logic_error(std::string("internal error: the compiled table does not load: ") +
                             e.what());
    }
    return c;
  }

  const Profile& p_;
  table::Table t_;
  table::TableNotes n_;
  std::unordered_map<std::string, std::size_t> targets_;
  std::unordered_map<std::string, std::size_t> lists_;  // sbd_verdict() -> target list
};

}  // namespace

CompiledTable compile_table(const Profile& profile) { return Compiler(profile).run(); }

}  // namespace socketbox::sbctl
