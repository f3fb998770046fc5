#include "socketbox/table/parser.hpp"

#include <sys/un.h>

#include <algorithm>
#include <charconv>
#include <new>
#include <unordered_map>

#include "socketbox/table/table_file.hpp"
#include "socketbox/table/text_check.hpp"
#include "string_interner.hpp"

namespace socketbox::table {

ParseError::ParseError(std::string file, std::uint32_t line, std::uint32_t column,
                       const std::string& message)
    // Line 0 is about the file as a whole (unreadable, not a regular file,
    // too large): "FILE: MESSAGE".
    : std::runtime_error(line == 0 ? file + ": " + message
                                   : file + ":" + std::to_string(line) + ":" +
                                         std::to_string(column) + ": error: " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

namespace {

constexpr std::size_t kMaxWordsPerLine = 256;

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
  Parser(std::string_view text, std::string_view source, const LoadLimits& limits)
      : text_(text), source_(source), limits_(limits) {}

  Table run() {
    if (text_.size() > limits_.max_bytes)
      throw ParseError(std::string(source_), 0, 0,
                       "larger than the limit of " + std::to_string(limits_.max_bytes) +
                           " bytes (--max-table-bytes)");
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

  // Splits into words_ (reused across lines: no allocation per line).
  void split(std::string_view line, std::uint32_t line_no) {
    std::vector<Word>& words = words_;
    words.clear();
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
      // Every word reaches messages, and a path the kernel, logs and status.
      if (const auto bad = check_text(w)) {
        const SourcePos p{line_no, static_cast<std::uint32_t>(i + bad->offset + 1)};
        if (colon != std::string_view::npos && bad->offset > colon)
          fail(p, "'" + std::string(w.substr(0, colon + 1)) + "' value contains " + bad->what +
                      "; table text must be printable UTF-8");
        fail(p, "word contains " + bad->what + "; table text must be printable UTF-8");
      }
      if (colon == std::string_view::npos) {
        word.name = w;
      } else {
        word.name = w.substr(0, colon);
        word.value = w.substr(colon + 1);
        word.has_value = true;
      }
      // No valid line has more than a dozen words; a cap keeps one huge
      // line from costing 40 bytes of Word per two bytes of text.
      if (words.size() == kMaxWordsPerLine)
        fail({line_no, word.column},
             "more than " + std::to_string(kMaxWordsPerLine) + " words on one line");
      words.push_back(word);
      i = j;
    }
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

  // Interned by hash: a linear search per entry made loading quadratic in
  // the number of distinct paths. Keys view text_, which outlives parsing;
  // the interner numbers paths as targets_ does.
  std::uint32_t target_index(std::string_view path) {
    const auto [index, added] = target_ids_.intern(path);
    if (!added) return index;
    targets_.push_back(make_target(path));
    return static_cast<std::uint32_t>(targets_.size() - 1);
  }

  // jump-unix-any:PATH,PATH,...: interns each path as jump-unix does, and the
  // list as a whole (a map with a million entries naming the same list
  // stores it once). Returns the list's index.
  std::uint32_t target_list(const Word& w, SourcePos p) {
    constexpr std::string_view kName = "jump-unix-any:";
    // The column of the path at offset `at` of the value, for messages.
    const auto at_path = [&](std::size_t at) {
      return SourcePos{p.line, static_cast<std::uint32_t>(p.column + kName.size() + at)};
    };
    if (w.value.empty())
      fail(p, "'jump-unix-any:' expects 2 to " + std::to_string(kMaxAnyTargets) +
                  " socket paths separated by ','");
    const auto [list, added] = list_ids_.intern(w.value);
    if (!added) return list;
    std::uint32_t indexes[kMaxAnyTargets];
    std::uint32_t count = 0;
    for (std::size_t start = 0;;) {
      std::size_t end = w.value.find(',', start);
      if (end == std::string_view::npos) end = w.value.size();
      const std::string_view path = w.value.substr(start, end - start);
      if (path.empty()) fail(at_path(start), "'jump-unix-any:' has an empty socket path");
      if (count == kMaxAnyTargets)
        fail(at_path(start),
             "'jump-unix-any:' takes at most " + std::to_string(kMaxAnyTargets) + " socket paths");
      if (const auto bad = check_socket_path(path)) fail(at_path(start), bad->what);
      const std::uint32_t index = target_index(path);
      for (std::uint32_t i = 0; i < count; ++i)
        if (indexes[i] == index)
          fail(at_path(start), "'jump-unix-any:' names " + std::string(path) + " twice");
      indexes[count++] = index;
      if (end == w.value.size()) break;
      start = end + 1;
    }
    if (count < 2)
      fail(p,
           "'jump-unix-any:' needs at least 2 socket paths separated by ','; for one, write "
           "jump-unix:" +
               std::string(w.value));
    target_lists_.push_back({static_cast<std::uint32_t>(list_targets_.size()), count});
    list_targets_.insert(list_targets_.end(), indexes, indexes + count);
    return static_cast<std::uint32_t>(target_lists_.size() - 1);
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
      // split() has refused NUL, control bytes and invalid UTF-8 (naming
      // their column); what is left to check is the length.
      if (const auto bad = check_socket_path(w.value)) fail(p, bad->what);
      a = {ActionKind::Unix, target_index(w.value)};
      return true;
    }
    if (w.name == "jump-unix-any") {
      a = {ActionKind::UnixAny, target_list(w, p)};
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
    count_entry(p);
    auto& ids = map ? map_ids_ : rule_ids_;
    const auto [it, added] = ids.try_emplace(id, map ? maps_.size() : rules_.size());
    if (!added)
      fail(p, std::string(map ? "map-set:" : "rule-set:") + std::to_string(id) +
                  " is already defined at line " +
                  std::to_string(map ? maps_[it->second].pos.line : rules_[it->second].pos.line));
    if (map) {
      MapSet m;
      m.id = id;
      m.pos = p;
      maps_.push_back(std::move(m));
      kind_ = Kind::Map;
    } else {
      RuleSet r;
      r.id = id;
      r.pos = p;
      rules_.push_back(std::move(r));
      kind_ = Kind::Rules;
    }
    current_ = map ? maps_.size() - 1 : rules_.size() - 1;
  }

  void count_entry(SourcePos p) {
    if (++entries_ > limits_.max_entries)
      fail(p, "more than " + std::to_string(limits_.max_entries) +
                  " entries (rules, map entries and set headers; --max-table-entries)");
  }

  // What one line says so far: its match words and the one action on it.
  struct Entry {
    Tuple match;
    Addr lip_mask, rip_mask;
    bool has_ip = false, has_rip = false, has_port = false, has_rport = false;
    bool is_default = false;
    bool has_action = false;
    Action act;
    std::uint32_t raw_jump = 0;
    SourcePos pos{0, 0};  // the first entry word
    SourcePos action_pos{0, 0};

    void first_word(SourcePos p) {
      if (pos.line == 0) pos = p;
    }
  };

  using WordHandler = void (Parser::*)(Entry&, const Word&, SourcePos);
  struct Keyword {
    std::string_view name;
    WordHandler handle;
  };

  void parse_line(std::string_view line, std::uint32_t line_no) {
    split(line, line_no);
    if (words_.empty()) return;
    if (words_[0].name == "listener") return listener_line(line_no);
    // Every word but the actions, which action() reads.
    static constexpr Keyword kKeywords[] = {
        {"rule-set", &Parser::set_word},
        {"map-set", &Parser::set_word},
        {"max-maps", &Parser::count_word},
        {"max-rules", &Parser::count_word},
        {"size", &Parser::size_word},
        {"match-lip", &Parser::key_word},
        {"match-rip", &Parser::key_word},
        {"match-lport", &Parser::key_word},
        {"match-rport", &Parser::key_word},
        {"default", &Parser::default_word},
        {"ip", &Parser::ip_word},
        {"rip", &Parser::ip_word},
        {"port", &Parser::port_word},
        {"rport", &Parser::port_word},
        {"listener", &Parser::listener_word},
    };
    Entry e;
    for (const Word& w : words_) {
      const SourcePos p{line_no, w.column};
      const auto k = std::find_if(std::begin(kKeywords), std::end(kKeywords),
                                  [&](const Keyword& kw) { return kw.name == w.name; });
      if (k != std::end(kKeywords)) {
        (this->*(k->handle))(e, w, p);
      } else {
        action_word(e, w, p);
      }
    }
    finish_line(e, line_no);
  }

  // `listener:LPORT jump-unix:PATH`: a header line of exactly these two
  // words, before the first set.
  void listener_line(std::uint32_t line_no) {
    const Word& w = words_[0];
    const SourcePos p{line_no, w.column};
    if (kind_ != Kind::None)
      fail(p, "'listener:' is a header line: it must come before the first rule-set: or map-set:");
    const auto port = number<std::uint16_t>(w, p, 1, 65535, "a port");
    const std::string head = "listener:" + std::to_string(port);
    if (words_.size() < 2)
      fail(p, "'" + head + "' has no action (expected listener:LPORT jump-unix:PATH)");
    const Word& a = words_[1];
    const SourcePos ap{line_no, a.column};
    if (a.name != "jump-unix")
      fail(ap, "a listener is sent to one socket path: expected jump-unix:PATH, got '" +
                   std::string(a.name) + (a.has_value ? ":" : "") + "'");
    if (a.value.empty()) fail(ap, "'jump-unix:' expects a socket path");
    if (const auto bad = check_socket_path(a.value)) fail(ap, bad->what);
    if (a.value.front() != '/')
      fail(ap, "a listener's socket path must be absolute (start with '/'), got '" +
                   std::string(a.value) + "'");
    for (std::size_t i = 0; i < a.value.size(); ++i)
      if (placeholder_at(a.value, i))
        fail({line_no,
              static_cast<std::uint32_t>(a.column + std::string_view("jump-unix:").size() + i)},
             "a listener's socket path cannot hold placeholders (#//0_ .. #//7_, #//P_): its one "
             "socket goes to one path");
    if (words_.size() > 2)
      fail({line_no, words_[2].column},
           "a listener line is exactly 'listener:LPORT jump-unix:PATH'; unexpected '" +
               std::string(words_[2].name) + "'");
    for (const ListenerEntry& l : listeners_)
      if (l.port == port)
        fail(p, head + " is already defined at line " + std::to_string(l.pos.line));
    if (listeners_.size() == kMaxListeners)
      fail(p, "more than " + std::to_string(kMaxListeners) + " listener lines");
    listeners_.push_back({port, std::string(a.value), p});
  }

  void listener_word(Entry&, const Word& w, SourcePos p) {
    fail(p, "'" + std::string(w.name) + ":' must start its line (listener:LPORT jump-unix:PATH)");
  }

  void need_set(const Word& w, SourcePos p) {
    if (kind_ == Kind::None)
      fail(p, "'" + std::string(w.name) + "' must be inside a rule-set:N or map-set:N");
  }

  void set_word(Entry& e, const Word& w, SourcePos p) {
    if (e.pos.line != 0 || e.is_default)
      fail(p, "'" + std::string(w.name) + ":' must start its line");
    start_set(w, p, w.name == "map-set");
  }

  void count_word(Entry&, const Word& w, SourcePos p) {
    // Accepted for compatibility; tables grow as needed.
    number<std::uint32_t>(w, p, 1, 0xffffffff, "a count");
  }

  void size_word(Entry&, const Word& w, SourcePos p) {
    need_set(w, p);
    number<std::uint32_t>(w, p, 1, 0xffffffff, "an entry count");
  }

  void key_word(Entry&, const Word& w, SourcePos p) {
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
  }

  void default_word(Entry& e, const Word& w, SourcePos p) {
    need_set(w, p);
    if (w.has_value) fail(p, "'default' takes no value; write 'default ACTION'");
    if (e.pos.line != 0) fail(p, "'default' must start its line");
    e.is_default = true;
    e.pos = p;
  }

  void match_word_allowed(Entry& e, const Word& w, SourcePos p, bool& seen) {
    need_set(w, p);
    if (e.is_default)
      fail(p, "a default action matches everything; remove '" + std::string(w.name) + ":'");
    if (seen) fail(p, "'" + std::string(w.name) + ":' given twice in one entry");
    seen = true;
    e.first_word(p);
  }

  void ip_word(Entry& e, const Word& w, SourcePos p) {
    const bool remote = w.name == "rip";
    match_word_allowed(e, w, p, remote ? e.has_rip : e.has_ip);
    parse_ip(w, p, remote ? e.match.remote : e.match.local, remote ? e.rip_mask : e.lip_mask);
  }

  void port_word(Entry& e, const Word& w, SourcePos p) {
    const bool remote = w.name == "rport";
    match_word_allowed(e, w, p, remote ? e.has_rport : e.has_port);
    (remote ? e.match.rport : e.match.lport) = number<std::uint16_t>(w, p, 0, 65535, "a port");
  }

  void action_word(Entry& e, const Word& w, SourcePos p) {
    Action a;
    std::uint32_t raw = 0;
    if (!action(w, p, a, raw)) {
      fail(p,
           "unknown word '" + std::string(w.name) +
               "' (expected rule-set:, map-set:, ip:, rip:, port:, rport:, match-lip:, "
               "match-rip:, match-lport, match-rport, default, jump-unix:, jump-unix-any:, "
               "jump-fd:, jump-map:, jump-rule:, fail, size:, max-maps:, max-rules: or listener:)");
    }
    need_set(w, p);
    if (e.has_action)
      fail(p, "an entry takes one action; this line already has one at column " +
                  std::to_string(e.action_pos.column));
    e.has_action = true;
    e.act = a;
    e.raw_jump = raw;
    e.action_pos = p;
    e.first_word(p);
  }

  // After the last word: a default, an entry, or nothing (headers only).
  void finish_line(const Entry& e, std::uint32_t line_no) {
    if (pending_default_) {
      // The line after a bare 'default' must be just its action.
      if (!e.has_action || e.pos != e.action_pos || e.is_default)
        fail(e.pos.line ? e.pos : SourcePos{line_no, words_[0].column},
             "expected the action of the 'default' on line " +
                 std::to_string(pending_default_pos_.line));
      set_default(e.act, e.action_pos, e.raw_jump);
      pending_default_ = false;
      return;
    }
    if (e.is_default) {
      if (e.has_action) {
        set_default(e.act, e.action_pos, e.raw_jump);
      } else {
        pending_default_ = true;
        pending_default_pos_ = e.pos;
      }
      return;
    }
    if (e.pos.line == 0) return;  // only set headers / options on this line
    if (!e.has_action)
      fail(e.pos,
           "entry has no action (expected jump-unix:, jump-unix-any:, jump-fd:, jump-map:, "
           "jump-rule: or fail)");

    count_entry(e.pos);
    if (kind_ == Kind::Rules) {
      add_rule(e);
    } else {
      MapSet& m = maps_[current_];
      const long dup = m.add(e.match, e.act, e.pos);
      if (dup >= 0)
        fail(e.pos, "duplicate key in map-set:" + std::to_string(m.id) + " (first at line " +
                        std::to_string(m.entry_pos(dup).line) + ")");
      note_jump(true, m.size() - 1, e.action_pos, e.raw_jump, e.act);
    }
  }

  void add_rule(const Entry& e) {
    RuleSet& r = rules_[current_];
    Rule rule;
    if (e.has_ip) {
      rule.lip = e.match.local & e.lip_mask;
      rule.lip_mask = e.lip_mask;
    }
    if (e.has_rip) {
      rule.rip = e.match.remote & e.rip_mask;
      rule.rip_mask = e.rip_mask;
    }
    rule.lport = e.match.lport;
    rule.match_lport = e.has_port;
    rule.rport = e.match.rport;
    rule.match_rport = e.has_rport;
    rule.action = e.act;
    rule.pos = e.pos;
    r.rules.push_back(rule);
    note_jump(false, r.rules.size() - 1, e.action_pos, e.raw_jump, e.act);
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
    if (rule_ids_.find(0) == rule_ids_.end())
      fail({1, 1}, "no rule-set:0 (every lookup starts there)");

    // Dense order is by set number, so rule-set:0 is rule_sets[0] and
    // Table::rule_set_index() can search by number.
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
    t.rule_sets.reserve(rules_.size());
    t.map_sets.reserve(maps_.size());
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
    t.target_lists = std::move(target_lists_);
    t.list_targets = std::move(list_targets_);
    t.listeners = std::move(listeners_);

    for (const PendingJump& j : jumps_) {
      Action& a = action_at(t, j, rule_pos, map_pos);
      const bool to_map = a.kind == ActionKind::JumpMap;
      const auto& ids = to_map ? map_ids_ : rule_ids_;
      const auto it = ids.find(j.raw);
      if (it == ids.end())
        fail(j.pos, std::string(to_map ? "jump-map:" : "jump-rule:") + std::to_string(j.raw) +
                        " names " + (to_map ? "map-set:" : "rule-set:") + std::to_string(j.raw) +
                        ", which is not defined");
      a.arg = static_cast<std::uint32_t>(to_map ? map_pos[it->second] : rule_pos[it->second]);
    }
    check_chains(t);
    t.seal();  // after the jumps are resolved: the last change
    return t;
  }

  // The jump graph in compressed form: node = rule sets, then map sets;
  // the edges of node v are targets[first[v] .. first[v+1]).
  struct JumpGraph {
    std::size_t rule_nodes = 0;
    std::vector<std::size_t> first;
    std::vector<std::uint32_t> to;
    std::vector<SourcePos> pos;
  };

  static JumpGraph jump_graph(const Table& t) {
    JumpGraph g;
    const std::size_t nr = t.rule_sets.size();
    const std::size_t n = nr + t.map_sets.size();
    g.rule_nodes = nr;
    g.first.assign(n + 1, 0);
    auto each = [&](auto&& f) {
      for (std::size_t i = 0; i < nr; ++i) {
        for (const Rule& r : t.rule_sets[i].rules) f(i, r.action, r.pos);
        f(i, t.rule_sets[i].default_action, t.rule_sets[i].default_pos);
      }
      for (std::size_t i = 0; i < t.map_sets.size(); ++i) {
        const MapSet& m = t.map_sets[i];
        for (std::size_t e = 0; e < m.size(); ++e) f(nr + i, m.action(e), m.entry_pos(e));
        f(nr + i, m.default_action, m.default_pos);
      }
    };
    auto is_jump = [](const Action& a) {
      return a.kind == ActionKind::JumpRule || a.kind == ActionKind::JumpMap;
    };
    each([&](std::size_t from, const Action& a, SourcePos) {
      if (is_jump(a)) ++g.first[from + 1];
    });
    for (std::size_t v = 0; v < n; ++v) g.first[v + 1] += g.first[v];
    g.to.resize(g.first[n]);
    g.pos.resize(g.first[n]);
    std::vector<std::size_t> fill(g.first.begin(), g.first.end() - 1);
    each([&](std::size_t from, const Action& a, SourcePos p) {
      if (!is_jump(a)) return;
      const std::size_t k = fill[from]++;
      g.to[k] = static_cast<std::uint32_t>(a.kind == ActionKind::JumpRule ? a.arg : nr + a.arg);
      g.pos[k] = p;
    });
    return g;
  }

  // Rejects any cycle in the jump graph, naming the jump that closes it, and
  // any chain longer than kMaxJumpChain, naming the jump that starts it, so
  // that every lookup in a table that loads ends within the step limit.
  // One iterative depth-first pass (a deep chain cannot overflow the stack)
  // computes each set's longest chain from its children's: linear time.
  void check_chains(const Table& t) const {
    const JumpGraph g = jump_graph(t);
    const std::size_t n = g.first.size() - 1;
    auto name = [&](std::size_t node) {
      return node < g.rule_nodes ? "rule-set:" + std::to_string(t.rule_sets[node].id)
                                 : "map-set:" + std::to_string(t.map_sets[node - g.rule_nodes].id);
    };
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::vector<std::uint8_t> color(n, 0);     // 0 new, 1 on stack, 2 done
    std::vector<std::uint32_t> longest(n, 0);  // jumps in the longest chain from the set
    std::vector<std::size_t> via(n, kNone);    // the edge that chain takes first
    auto relax = [&](std::size_t from, std::size_t edge) {
      const std::uint32_t len = longest[g.to[edge]] + 1;  // <= n, no overflow
      if (via[from] == kNone || len > longest[from]) {
        longest[from] = len;
        via[from] = edge;
      }
    };
    struct Frame {
      std::size_t node;
      std::size_t next;  // edge index
    };
    std::vector<Frame> frames;
    for (std::size_t root = 0; root < n; ++root) {
      if (color[root]) continue;
      frames.push_back({root, g.first[root]});
      color[root] = 1;
      while (!frames.empty()) {
        Frame& f = frames.back();
        if (f.next == g.first[f.node + 1]) {
          color[f.node] = 2;
          frames.pop_back();
          if (!frames.empty()) relax(frames.back().node, frames.back().next - 1);
          continue;
        }
        const std::size_t edge = f.next++;
        const std::size_t to = g.to[edge];
        if (color[to] == 1) {
          std::string path;
          bool on = false;
          for (const Frame& h : frames) {
            if (h.node == to) on = true;
            if (on) path += name(h.node) + " -> ";
          }
          path += name(to);
          fail(g.pos[edge], "jump loop: " + path);
        }
        if (color[to] == 2) {
          relax(f.node, edge);
        } else {
          color[to] = 1;
          frames.push_back({to, g.first[to]});
        }
      }
    }
    // The set with the longest chain; the lowest index wins a tie, so a
    // chain from rule-set:0 is the one named.
    std::size_t start = 0;
    for (std::size_t v = 1; v < n; ++v)
      if (longest[v] > longest[start]) start = v;
    if (n == 0 || longest[start] <= kMaxJumpChain) return;
    std::size_t end = start;
    while (via[end] != kNone) end = g.to[via[end]];
    fail(g.pos[via[start]], "a chain of " + std::to_string(longest[start]) +
                                " jumps starts here (" + name(start) + " -> ... -> " + name(end) +
                                "); a lookup follows at most " + std::to_string(kMaxJumpChain) +
                                " jumps");
  }

  std::string_view text_;
  std::string_view source_;
  LoadLimits limits_;
  std::vector<Word> words_;
  std::vector<RuleSet> rules_;
  std::vector<MapSet> maps_;
  std::unordered_map<std::uint32_t, std::size_t> rule_ids_, map_ids_;  // set number -> index
  std::vector<Target> targets_;
  StringInterner target_ids_;  // path -> index in targets_
  std::vector<TargetList> target_lists_;
  std::vector<std::uint32_t> list_targets_;
  StringInterner list_ids_;  // jump-unix-any's value -> index in target_lists_
  std::vector<PendingJump> jumps_;
  std::vector<ListenerEntry> listeners_;
  std::uint64_t entries_ = 0;
  Kind kind_ = Kind::None;
  std::size_t current_ = 0;
  bool pending_default_ = false;
  SourcePos pending_default_pos_;
};

}  // namespace

Table parse_table(std::string_view text, std::string_view source, const LoadLimits& limits) {
  try {
    return Parser(text, source, limits).run();
  } catch (const std::bad_alloc&) {
    // Within the limits this needs a few GiB at most; if even that is not
    // there, still say which table it was.
    throw ParseError(std::string(source), 0, 0, "out of memory while loading the table");
  }
}

Table load_table_file(const std::string& path, const LoadLimits& limits) {
  std::string text;
  try {
    text = read_table_text(path, limits);
  } catch (const std::bad_alloc&) {
    throw ParseError(path, 0, 0, "out of memory while reading the table");
  }
  return parse_table(text, path, limits);
}

}  // namespace socketbox::table
