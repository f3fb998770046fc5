#include "compile/table_compiler.hpp"

#include <set>
#include <stdexcept>
#include <utility>

#include "socketbox/table/parser.hpp"

namespace socketbox::sbctl {
namespace {

// A map set is worth it from two single-address routes on.
constexpr std::size_t kMinMapRun = 2;
// Up to this many distinct ports, a map set is entered by one rule per port
// (so other ports skip it); above, by one rule for every port.
constexpr std::size_t kMaxJumpPorts = 64;

struct Line {
  std::string text;
  long route = -1;
};

// One rule set or map set being written; its header is made at the end,
// when its size is known.
struct SetText {
  std::string header;  // "rule-set:0" / "map-set:1 match-lip:128"
  std::string comment;
  std::vector<Line> entries;
  std::string default_line;
};

std::string ip_word(const char* word, const Net& n) {
  std::string s = std::string(word) + ":" + table::format_addr(n.addr);
  if (n.len != 128) s += "/" + std::to_string(n.len);
  return s;
}

std::string action_word(const Route& r) {
  return r.to.kind == RouteTarget::Kind::Reject ? "fail" : "jump-unix:" + r.to.path;
}

// The profile's file name without directories: the table text must not
// depend on the directory sbctl was run from.
std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string route_comment(const Profile& p, const Route& r, std::size_t index) {
  std::string s = "# route " + std::to_string(index + 1) + " (" + base_name(p.source) + ":" +
                  std::to_string(r.pos.line) + ")";
  if (!r.name.empty()) s += " " + r.name;
  s += ": dest " + (r.dest ? r.dest->str() : std::string("any")) + " port " + r.ports.str();
  if (r.from) s += " from " + r.from->str();
  s += " -> " + r.to.str();
  if (r.to.kind == RouteTarget::Kind::Relay)
    s += " (proxy " + r.to.proxy + ", through sb-relay at " + r.to.path + ")";
  return s;
}

bool groupable(const Route& r) { return r.dest && r.dest->is_host() && !r.from; }

class Compiler {
 public:
  explicit Compiler(const Profile& p) : p_(p) {}

  CompiledTable run() {
    sets_.push_back({});  // rule-set:0
    std::size_t current = 0;
    std::uint32_t next_rule_set = 1, next_map = 1;
    const auto& routes = p_.routes;
    for (std::size_t i = 0; i < routes.size();) {
      const std::size_t end = run_end(i);
      if (end - i < kMinMapRun) {
        emit_rules(current, i);
        ++i;
        continue;
      }
      const std::uint32_t map_id = next_map++;
      const bool more = end < routes.size();
      const std::string after = more ? "jump-rule:" + std::to_string(next_rule_set) : "";
      emit_map(current, i, end, map_id, after);
      if (more) {
        sets_[current].default_line = "default " + after;
        sets_.push_back({});
        current = sets_.size() - 1;
        ++next_rule_set;
      }
      i = end;
    }
    // Each rule set's header and number, in the order they were created.
    std::uint32_t rule_id = 0;
    for (auto& s : sets_)
      if (s.header.empty()) s.header = "rule-set:" + std::to_string(rule_id++);
    return finish(rule_id, next_map);
  }

 private:
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

  void emit_rules(std::size_t set, std::size_t ri) {
    const Route& r = p_.routes[ri];
    auto& out = sets_[set].entries;
    out.push_back({route_comment(p_, r, ri), -1});
    std::string match;
    if (r.dest && r.dest->len != 0) match += ip_word("ip", *r.dest) + " ";
    std::string remote;
    if (r.from && r.from->len != 0) remote += ip_word("rip", *r.from) + " ";
    const std::string action = action_word(r);
    if (r.ports.any()) {
      out.push_back({match + remote + action, static_cast<long>(ri)});
      return;
    }
    for (std::uint16_t port : r.ports.expand())
      out.push_back(
          {match + "port:" + std::to_string(port) + " " + remote + action, static_cast<long>(ri)});
  }

  void emit_map(std::size_t set, std::size_t first, std::size_t end, std::uint32_t map_id,
                const std::string& after) {
    const auto& routes = p_.routes;
    bool same = true;
    PortSet all_ports = routes[first].ports;
    for (std::size_t k = first; k < end; ++k) {
      same = same && routes[k].ports == routes[first].ports;
      all_ports = all_ports.united(routes[k].ports);
    }
    const std::string jump = "jump-map:" + std::to_string(map_id);
    auto& rules = sets_[set].entries;
    rules.push_back({"# routes " + std::to_string(first + 1) + "-" + std::to_string(end) + " (" +
                         base_name(p_.source) + " lines " + std::to_string(routes[first].pos.line) +
                         "-" + std::to_string(routes[end - 1].pos.line) +
                         "): single addresses, looked up in map-set:" + std::to_string(map_id),
                     -1});
    // Keyed by address alone only when every route has the same ports and the
    // jump rules below can check them; otherwise the key includes the port.
    const bool by_port = !all_ports.any() && (!same || all_ports.count() > kMaxJumpPorts);
    if (all_ports.any() || all_ports.count() > kMaxJumpPorts) {
      rules.push_back({jump, -1});
    } else {
      for (std::uint16_t port : all_ports.expand())
        rules.push_back({"port:" + std::to_string(port) + " " + jump, -1});
    }

    SetText m;
    m.header =
        "map-set:" + std::to_string(map_id) + " match-lip:128" + (by_port ? " match-lport:1" : "");
    m.comment = "# map-set:" + std::to_string(map_id) + ": routes " + std::to_string(first + 1) +
                "-" + std::to_string(end) +
                (by_port ? ", keyed by address and port" : ", keyed by address");
    std::set<std::pair<table::Addr, std::uint16_t>> seen;  // first route wins a repeated key
    for (std::size_t k = first; k < end; ++k) {
      const Route& r = routes[k];
      const std::string tail = " " + action_word(r) + "  # route " + std::to_string(k + 1) +
                               " (line " + std::to_string(r.pos.line) + ")" +
                               (r.name.empty() ? "" : " " + r.name);
      const std::string ip = ip_word("ip", *r.dest);
      if (!by_port) {
        if (seen.insert({r.dest->addr, 0}).second)
          m.entries.push_back({ip + tail, static_cast<long>(k)});
        continue;
      }
      for (std::uint16_t port : r.ports.expand())
        if (seen.insert({r.dest->addr, port}).second)
          m.entries.push_back({ip + " port:" + std::to_string(port) + tail, static_cast<long>(k)});
    }
    if (!after.empty()) m.default_line = "default " + after;
    sets_.push_back(std::move(m));
  }

  CompiledTable finish(std::uint32_t rule_sets, std::uint32_t next_map) {
    CompiledTable c;
    auto add = [&](const std::string& text, long route) {
      c.text += text + "\n";
      c.route_of_line.push_back(route);
    };
    add("# generated by sbctl from " + base_name(p_.source) + "; do not edit", -1);
    add("# " + std::to_string(p_.routes.size()) +
            " routes; first match wins; no match closes the connection",
        -1);
    // Counts for the original socketbox, which needs them (and caps them at 1000).
    std::string counts;
    if (next_map > 1 && next_map <= 1000) counts += "max-maps:" + std::to_string(next_map) + " ";
    if (rule_sets <= 1000) counts += "max-rules:" + std::to_string(rule_sets);
    if (!counts.empty()) add(counts, -1);
    for (const SetText& s : sets_) {
      add("", -1);
      if (!s.comment.empty()) add(s.comment, -1);
      std::size_t n = 0;
      for (const Line& l : s.entries) n += l.text[0] != '#';
      add(s.header + (n >= 1 && n <= 1000 ? " size:" + std::to_string(n) : ""), -1);
      for (const Line& l : s.entries) add(l.text, l.route);
      if (!s.default_line.empty()) add(s.default_line, -1);
    }
    try {
      c.table = table::parse_table(c.text, "<compiled table>");
    } catch (const table::ParseError& e) {
      throw std::logic_error(std::string("internal error: the compiled table does not load: ") +
                             e.what());
    }
    return c;
  }

  const Profile& p_;
  std::vector<SetText> sets_;
};

}  // namespace

CompiledTable compile_table(const Profile& profile) { return Compiler(profile).run(); }

}  // namespace socketbox::sbctl
