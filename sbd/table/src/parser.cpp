#include "socketbox/table/parser.hpp"

#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace socketbox::table {

ParseError::ParseError(std::string file, std::uint32_t line, std::uint32_t column,
                       const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                         ": error: " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

namespace {

constexpr std::size_t kMaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;

struct Word {
  std::string_view name;   // before the colon
  std::string_view value;  // after the colon
  bool has_value = false;
  std::uint32_t column = 0;
};

// Where an action that names another set was written, to resolve afterwards.
struct PendingJump {
  bool from_map;
  std::size_t set;  // dense index in the parser's vectors
  long entry;       // -1 = default action
  SourcePos pos;
  std::uint32_t raw;  // the set number written
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Table run() {
    std::uint32_t line_no = 0;
    std::size_t start = 0;
    while (start <= text_.size()) {
      std::size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      std::string_view line = text_.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ++line_no;
      parse_line(line, line_no);
      if (end == text_.size()) break;
      start = end + 1;
    }
    if (pending_default_) {
      fail(pending_default_pos_, "'default' is not followed by an action");
    }
    return finish();
  }

 private:
  [[noreturn]] void fail(SourcePos p, const std::string& msg) const {
    throw ParseError(std::string(source_), p.line, p.column, msg);
  }

  static std::vector<Word> split(std::string_view line) {
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size() || line[i] == '#') break;  // a word starting with # begins a comment
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
      std::string_view w = line.substr(i, j - i);
      Word word;
      word.column = static_cast<std::uint32_t>(i + 1);
      const std::size_t colon = w.find(':');
      if (colon == std::string_view::npos) {
        word.name = w;
      } else {
        word.name = w.substr(0, colon);
        word.value = w.substr(colon + 1);
        word.has_value = true;
      }
      words.push_back(word);
      i = j;
    }
    return words;
  }

  template <typename T>
  T number(const Word& w, SourcePos p, T min, T max, const char* what) const {
    T v{};
    const char* b = w.value.data();
    const char* e = b + w.value.size();
    auto [ptr, ec] = std::from_chars(b, e, v);
    if (!w.has_value || w.value.empty() || ec != std::errc() || ptr != e || v < min || v > max) {
      fail(p, "'" + std::string(w.name) + ":' expects " + what + " from " + std::to_string(min) +
                  " to " + std::to_string(max) + ", got '" + std::string(w.value) + "'");
    }
    return v;
  }

  std::uint32_t target_index(std::string_view path) {
    for (std::size_t i = 0; i < targets_.size(); ++i)
      if (targets_[i].path == path) return static_cast<std::uint32_t>(i);
    Target t;
    t.path = std::string(path);
    for (std::size_t i = 0; i + 5 <= path.size(); ++i) {
      if (path.compare(i, 3, "#//") == 0 && path[i + 4] == '_' &&
          ((path[i + 3] >= '0' && path[i + 3] <= '7') || path[i + 3] == 'P')) {
        t.has_placeholders = true;
      }
    }
    targets_.push_back(std::move(t));
    return static_cast<std::uint32_t>(targets_.size() - 1);
  }

  // Parses an action word into a; returns false if the word is not an action.
  bool action(const Word& w, SourcePos p, Action& a, std::uint32_t& raw_jump) {
    if (w.name == "fail") {
      if (w.has_value && !w.value.empty()) fail(p, "'fail' takes no value");
      a = {ActionKind::Fail, 0};
      return true;
    }
    if (w.name == "jump-unix") {
      if (w.value.empty()) fail(p, "'jump-unix:' expects a socket path");
      if (w.value.size() > kMaxUnixPath)
        fail(p, "socket path is " + std::to_string(w.value.size()) + " bytes; at most " +
                    std::to_string(kMaxUnixPath) + " fit in a Unix socket address");
      a = {ActionKind::Unix, target_index(w.value)};
      return true;
    }
    if (w.name == "jump-fd") {
      a = {ActionKind::Fd, number<std::uint32_t>(w, p, 0, 0x7fffffff, "a descriptor number")};
      return true;
    }
    if (w.name == "jump-map" || w.name == "jump-rule") {
      raw_jump = number<std::uint32_t>(w, p, 0, 0xffffffff, "a set number");
      a = {w.name == "jump-map" ? ActionKind::JumpMap : ActionKind::JumpRule, 0};
      return true;
    }
    return false;
  }

  enum class Kind { None, Rules, Map };

  void start_set(const Word& w, SourcePos p, bool map) {
    const auto id = number<std::uint32_t>(w, p, 0, 0xffffffff, "a set number");
    if (pending_default_) fail(pending_default_pos_, "'default' is not followed by an action");
    if (map) {
      for (const auto& m : maps_)
        if (m.id == id)
          fail(p, "map-set:" + std::to_string(id) + " is already defined at line " +
                      std::to_string(m.pos.line));
      MapSet m;
      m.id = id;
      m.pos = p;
      maps_.push_back(std::move(m));
      kind_ = Kind::Map;
    } else {
      for (const auto& r : rules_)
        if (r.id == id)
          fail(p, "rule-set:" + std::to_string(id) + " is already defined at line " +
                      std::to_string(r.pos.line));
      RuleSet r;
      r.id = id;
      r.pos = p;
      rules_.push_back(std::move(r));
      kind_ = Kind::Rules;
    }
    current_ = map ? maps_.size() - 1 : rules_.size() - 1;
  }

  void parse_line(std::string_view line, std::uint32_t line_no) {
    const std::vector<Word> words = split(line);
    if (words.empty()) return;

    // One entry per line: the match words and the one action found on it.
    Tuple match;
    Addr lip_mask, rip_mask;
    bool has_ip = false, has_rip = false, has_port = false, has_rport = false;
    bool is_default = false;
    bool has_action = false;
    Action act;
    std::uint32_t raw_jump = 0;
    SourcePos entry_pos{0, 0};
    SourcePos action_pos{0, 0};

    auto need_set = [&](const Word& w, SourcePos p) {
      if (kind_ == Kind::None)
        fail(p, "'" + std::string(w.name) + "' must be inside a rule-set:N or map-set:N");
    };
    auto first_entry_word = [&](SourcePos p) {
      if (entry_pos.line == 0) entry_pos = p;
    };

    for (const Word& w : words) {
      const SourcePos p{line_no, w.column};
      if (w.name == "rule-set" || w.name == "map-set") {
        if (entry_pos.line != 0 || is_default)
          fail(p, "'" + std::string(w.name) + ":' must start its line");
        start_set(w, p, w.name == "map-set");
      } else if (w.name == "max-maps" || w.name == "max-rules") {
        // Accepted for compatibility; tables grow as needed.
        number<std::uint32_t>(w, p, 1, 0xffffffff, "a count");
      } else if (w.name == "size") {
        need_set(w, p);
        number<std::uint32_t>(w, p, 1, 0xffffffff, "an entry count");
      } else if (w.name == "match-lip" || w.name == "match-rip" || w.name == "match-lport" ||
                 w.name == "match-rport") {
        if (kind_ != Kind::Map)
          fail(p, "'" + std::string(w.name) + "' belongs to a map-set:N, not a rule-set");
        MapSet& m = maps_[current_];
        if (m.size() != 0)
          fail(p, "'" + std::string(w.name) +
                      "' must come before the first entry of map-set:" + std::to_string(m.id));
        if (w.name == "match-lip") {
          m.spec.lip_mask = Addr::prefix_mask(number<int>(w, p, 0, 128, "a prefix length"));
        } else if (w.name == "match-rip") {
          m.spec.rip_mask = Addr::prefix_mask(number<int>(w, p, 0, 128, "a prefix length"));
        } else if (w.name == "match-lport") {
          m.spec.lport = true;  // the value after the colon is ignored, as in the original
        } else {
          m.spec.rport = true;
        }
      } else if (w.name == "default") {
        need_set(w, p);
        if (w.has_value) fail(p, "'default' takes no value; write 'default ACTION'");
        if (entry_pos.line != 0) fail(p, "'default' must start its line");
        is_default = true;
        entry_pos = p;
      } else if (w.name == "ip" || w.name == "rip") {
        need_set(w, p);
        if (is_default)
          fail(p, "a default action matches everything; remove '" + std::string(w.name) + ":'");
        const bool remote = w.name == "rip";
        if (remote ? has_rip : has_ip)
          fail(p, "'" + std::string(w.name) + ":' given twice in one entry");
        (remote ? has_rip : has_ip) = true;
        first_entry_word(p);
        parse_ip(w, p, remote ? match.remote : match.local, remote ? rip_mask : lip_mask);
      } else if (w.name == "port" || w.name == "rport") {
        need_set(w, p);
        if (is_default)
          fail(p, "a default action matches everything; remove '" + std::string(w.name) + ":'");
        const bool remote = w.name == "rport";
        if (remote ? has_rport : has_port)
          fail(p, "'" + std::string(w.name) + ":' given twice in one entry");
        (remote ? has_rport : has_port) = true;
        first_entry_word(p);
        (remote ? match.rport : match.lport) = number<std::uint16_t>(w, p, 0, 65535, "a port");
      } else {
        Action a;
        std::uint32_t raw = 0;
        if (!action(w, p, a, raw)) {
          fail(p, "unknown word '" + std::string(w.name) +
                      "' (expected rule-set:, map-set:, ip:, rip:, port:, rport:, match-lip:, "
                      "match-rip:, match-lport, match-rport, default, jump-unix:, jump-fd:, "
                      "jump-map:, jump-rule:, fail, size:, max-maps: or max-rules:)");
        }
        need_set(w, p);
        if (has_action)
          fail(p, "an entry takes one action; this line already has one at column " +
                      std::to_string(action_pos.column));
        has_action = true;
        act = a;
        raw_jump = raw;
        action_pos = p;
        first_entry_word(p);
      }
    }

    if (pending_default_) {
      // The line after a bare 'default' must be just its action.
      if (!has_action || entry_pos != action_pos || is_default)
        fail(entry_pos.line ? entry_pos : SourcePos{line_no, words[0].column},
             "expected the action of the 'default' on line " +
                 std::to_string(pending_default_pos_.line));
      set_default(act, action_pos, raw_jump);
      pending_default_ = false;
      return;
    }
    if (is_default) {
      if (has_action) {
        set_default(act, action_pos, raw_jump);
      } else {
        pending_default_ = true;
        pending_default_pos_ = entry_pos;
      }
      return;
    }
    if (entry_pos.line == 0) return;  // only set headers / options on this line
    if (!has_action)
      fail(entry_pos,
           "entry has no action (expected jump-unix:, jump-fd:, jump-map:, jump-rule: or fail)");

    if (kind_ == Kind::Rules) {
      RuleSet& r = rules_[current_];
      Rule rule;
      rule.lip = match.local & lip_mask;
      rule.lip_mask = has_ip ? lip_mask : Addr{};
      rule.rip = match.remote & rip_mask;
      rule.rip_mask = has_rip ? rip_mask : Addr{};
      if (!has_ip) rule.lip = {};
      if (!has_rip) rule.rip = {};
      rule.lport = match.lport;
      rule.match_lport = has_port;
      rule.rport = match.rport;
      rule.match_rport = has_rport;
      rule.action = act;
      rule.pos = entry_pos;
      r.rules.push_back(rule);
      note_jump(false, r.rules.size() - 1, action_pos, raw_jump, act);
    } else {
      MapSet& m = maps_[current_];
      const long dup = m.add(match, act, entry_pos);
      if (dup >= 0)
        fail(entry_pos, "duplicate key in map-set:" + std::to_string(m.id) + " (first at line " +
                            std::to_string(m.entry_pos(dup).line) + ")");
      note_jump(true, m.size() - 1, action_pos, raw_jump, act);
    }
  }

  void parse_ip(const Word& w, SourcePos p, Addr& addr, Addr& mask) const {
    std::string_view v = w.value;
    std::string_view mask_text;
    const std::size_t slash = v.find('/');
    if (slash != std::string_view::npos) {
      mask_text = v.substr(slash + 1);
      v = v.substr(0, slash);
      if (kind_ == Kind::Map)
        fail(p,
             "map entries match one address exactly (the set's match-lip/match-rip masks it); "
             "use a rule set for prefixes");
    }
    const auto a = parse_addr(v);
    if (!a) fail(p, "'" + std::string(v) + "' is not an IPv6 or IPv4 address");
    addr = *a;
    if (mask_text.empty()) {
      if (slash != std::string_view::npos) fail(p, "expected a prefix length or mask after '/'");
      mask = Addr::prefix_mask(128);
      return;
    }
    if (mask_text.find(':') != std::string_view::npos) {
      const auto m = parse_addr(mask_text);
      if (!m) fail(p, "mask '" + std::string(mask_text) + "' is not an IPv6 address");
      mask = *m;
      return;
    }
    int len = 0;
    auto [ptr, ec] = std::from_chars(mask_text.data(), mask_text.data() + mask_text.size(), len);
    if (ec != std::errc() || ptr != mask_text.data() + mask_text.size() || len < 0 || len > 128)
      fail(p, "prefix length must be 0 to 128, got '" + std::string(mask_text) + "'");
    // A plain dotted quad's prefix length counts IPv4 bits.
    if (v.find(':') == std::string_view::npos) {
      if (len > 32) fail(p, "IPv4 prefix length must be 0 to 32, got " + std::to_string(len));
      len += 96;
    }
    mask = Addr::prefix_mask(len);
  }

  void set_default(Action a, SourcePos p, std::uint32_t raw) {
    if (kind_ == Kind::Rules) {
      rules_[current_].default_action = a;
      rules_[current_].default_pos = p;
    } else {
      maps_[current_].default_action = a;
      maps_[current_].default_pos = p;
    }
    note_jump(kind_ == Kind::Map, static_cast<std::size_t>(-1), p, raw, a);
  }

  void note_jump(bool from_map, std::size_t entry, SourcePos p, std::uint32_t raw, Action a) {
    if (a.kind != ActionKind::JumpMap && a.kind != ActionKind::JumpRule) return;
    jumps_.push_back({from_map, current_,
                      entry == static_cast<std::size_t>(-1) ? -1 : static_cast<long>(entry), p,
                      raw});
  }

  Action& action_at(Table& t, const PendingJump& j, const std::vector<std::size_t>& rule_pos,
                    const std::vector<std::size_t>& map_pos) {
    if (j.from_map) {
      MapSet& m = t.map_sets[map_pos[j.set]];
      return j.entry < 0 ? m.default_action : m.action(static_cast<std::size_t>(j.entry));
    }
    RuleSet& r = t.rule_sets[rule_pos[j.set]];
    return j.entry < 0 ? r.default_action : r.rules[static_cast<std::size_t>(j.entry)].action;
  }

  Table finish() {
    if (rules_.empty() ||
        std::none_of(rules_.begin(), rules_.end(), [](const RuleSet& r) { return r.id == 0; }))
      fail({1, 1}, "no rule-set:0 (every lookup starts there)");

    // Dense order is by set number, so rule-set:0 is rule_sets[0].
    std::vector<std::size_t> rule_order(rules_.size()), map_order(maps_.size());
    for (std::size_t i = 0; i < rule_order.size(); ++i) rule_order[i] = i;
    for (std::size_t i = 0; i < map_order.size(); ++i) map_order[i] = i;
    std::sort(rule_order.begin(), rule_order.end(),
              [&](std::size_t a, std::size_t b) { return rules_[a].id < rules_[b].id; });
    std::sort(map_order.begin(), map_order.end(),
              [&](std::size_t a, std::size_t b) { return maps_[a].id < maps_[b].id; });
    std::vector<std::size_t> rule_pos(rules_.size()), map_pos(maps_.size());
    Table t;
    t.source = std::string(source_);
    for (std::size_t i = 0; i < rule_order.size(); ++i) {
      rule_pos[rule_order[i]] = i;
      t.rule_sets.push_back(std::move(rules_[rule_order[i]]));
    }
    for (std::size_t i = 0; i < map_order.size(); ++i) {
      map_pos[map_order[i]] = i;
      maps_[map_order[i]].seal();
      t.map_sets.push_back(std::move(maps_[map_order[i]]));
    }
    t.targets = std::move(targets_);

    for (const PendingJump& j : jumps_) {
      Action& a = action_at(t, j, rule_pos, map_pos);
      const bool to_map = a.kind == ActionKind::JumpMap;
      const long idx = to_map ? t.map_set_index(j.raw) : t.rule_set_index(j.raw);
      if (idx < 0)
        fail(j.pos, std::string(to_map ? "jump-map:" : "jump-rule:") + std::to_string(j.raw) +
                        " names " + (to_map ? "map-set:" : "rule-set:") + std::to_string(j.raw) +
                        ", which is not defined");
      a.arg = static_cast<std::uint32_t>(idx);
    }
    check_loops(t);
    return t;
  }

  // Rejects any cycle in the jump graph, naming the jump that closes it.
  void check_loops(const Table& t) const {
    const std::size_t nr = t.rule_sets.size();
    const std::size_t n = nr + t.map_sets.size();  // node = rule sets, then map sets
    std::vector<std::vector<std::pair<std::size_t, SourcePos>>> edges(n);
    auto add = [&](std::size_t from, const Action& a, SourcePos p) {
      if (a.kind == ActionKind::JumpRule) edges[from].push_back({a.arg, p});
      if (a.kind == ActionKind::JumpMap) edges[from].push_back({nr + a.arg, p});
    };
    for (std::size_t i = 0; i < nr; ++i) {
      for (const Rule& r : t.rule_sets[i].rules) add(i, r.action, r.pos);
      add(i, t.rule_sets[i].default_action, t.rule_sets[i].default_pos);
    }
    for (std::size_t i = 0; i < t.map_sets.size(); ++i) {
      const MapSet& m = t.map_sets[i];
      for (std::size_t e = 0; e < m.size(); ++e) add(nr + i, m.action(e), m.entry_pos(e));
      add(nr + i, m.default_action, m.default_pos);
    }
    auto name = [&](std::size_t node) {
      return node < nr ? "rule-set:" + std::to_string(t.rule_sets[node].id)
                       : "map-set:" + std::to_string(t.map_sets[node - nr].id);
    };
    std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
    // Iterative DFS: a million-entry map would not overflow, but deep jump
    // chains could.
    struct Frame {
      std::size_t node;
      std::size_t next;
    };
    for (std::size_t root = 0; root < n; ++root) {
      if (color[root]) continue;
      std::vector<Frame> frames{{root, 0}};
      color[root] = 1;
      while (!frames.empty()) {
        Frame& f = frames.back();
        if (f.next == edges[f.node].size()) {
          color[f.node] = 2;
          frames.pop_back();
          continue;
        }
        const auto [to, pos] = edges[f.node][f.next++];
        if (color[to] == 1) {
          std::string path;
          bool on = false;
          for (const Frame& g : frames) {
            if (g.node == to) on = true;
            if (on) path += name(g.node) + " -> ";
          }
          path += name(to);
          fail(pos, "jump loop: " + path);
        }
        if (color[to] == 0) {
          color[to] = 1;
          frames.push_back({to, 0});
        }
      }
    }
  }

  std::string_view text_;
  std::string_view source_;
  std::vector<RuleSet> rules_;
  std::vector<MapSet> maps_;
  std::vector<Target> targets_;
  std::vector<PendingJump> jumps_;
  Kind kind_ = Kind::None;
  std::size_t current_ = 0;
  bool pending_default_ = false;
  SourcePos pending_default_pos_;
};

}  // namespace

Table parse_table(std::string_view text, std::string_view source) {
  return Parser(text, source).run();
}

Table load_table_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ParseError(path, 0, 0, "cannot read table: " + std::string(std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    throw ParseError(path, 0, 0, "cannot read table: " + std::string(std::strerror(errno)));
  return parse_table(ss.str(), path);
}

}  // namespace socketbox::table
