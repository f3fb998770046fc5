#include "socketbox/table/writer.hpp"

#include <algorithm>

namespace socketbox::table {
namespace {

std::string ip_word(const char* name, const Addr& value, const Addr& mask) {
  std::string w = std::string(name) + ":" + format_addr(value);
  if (const auto len = mask.mask_length()) {
    if (*len != 128) w += "/" + std::to_string(*len);
  } else {
    w += "/" + format_addr(mask);
  }
  return w;
}

// The original socketbox caps max-maps, max-rules and size at 1000 and needs
// them declared (size at least 1); write them when they fit so its parser
// reads our output too.
std::string size_word(std::size_t n) {
  n = std::max<std::size_t>(n, 1);
  return n <= 1000 ? " size:" + std::to_string(n) : "";
}

template <typename T>
const T* at(const std::vector<T>& v, std::size_t i) {
  return i < v.size() ? &v[i] : nullptr;
}

class Writer {
 public:
  Writer(const Table& t, const TableNotes& n) : t_(t), n_(n) {}

  WrittenTable run() {
    for (const std::string& c : n_.header) comment(c);
    write_counts();
    // A socketbox extension; a table without listeners is written as before.
    for (const ListenerEntry& l : t_.listeners)
      line("listener:" + std::to_string(l.port) + " jump-unix:" + l.path);
    if (n_.order.empty()) {
      for (std::size_t i = 0; i < t_.rule_sets.size(); ++i) rule_set(i);
      for (std::size_t i = 0; i < t_.map_sets.size(); ++i) map_set(i);
    } else {
      for (const auto& s : n_.order) s.map ? map_set(s.index) : rule_set(s.index);
    }
    return std::move(out_);
  }

 private:
  void line(const std::string& text, long tag = -1) {
    out_.text += text;
    out_.text += '\n';
    out_.tag_of_line.push_back(tag);
  }
  void comment(const std::string& c) {
    if (!c.empty()) line("# " + c);
  }
  void noted(std::string text, const LineNote* note) {
    if (!note) return line(text);
    comment(note->before);
    if (!note->trailing.empty()) text += "  # " + note->trailing;
    line(text, note->tag);
  }

  void write_counts() {
    std::uint32_t max_rule = 0, max_map = 0;
    for (const auto& r : t_.rule_sets) max_rule = std::max(max_rule, r.id);
    for (const auto& m : t_.map_sets) max_map = std::max(max_map, m.id);
    std::string counts;
    if (!t_.map_sets.empty() && max_map < 1000)
      counts += "max-maps:" + std::to_string(max_map + 1) + " ";
    if (max_rule < 1000) counts += "max-rules:" + std::to_string(max_rule + 1);
    if (!counts.empty()) line(counts);
  }

  void rule_set(std::size_t i) {
    const RuleSet& r = t_.rule_sets[i];
    line("");
    if (const auto* c = at(n_.rule_set_comment, i)) comment(*c);
    line("rule-set:" + std::to_string(r.id) + size_word(r.rules.size()));
    const auto* notes = at(n_.rules, i);
    for (std::size_t k = 0; k < r.rules.size(); ++k) {
      const Rule& rule = r.rules[k];
      std::string s;
      if (rule.lip_mask != Addr{}) s += ip_word("ip", rule.lip, rule.lip_mask) + " ";
      if (rule.match_lport) s += "port:" + std::to_string(rule.lport) + " ";
      if (rule.rip_mask != Addr{}) s += ip_word("rip", rule.rip, rule.rip_mask) + " ";
      if (rule.match_rport) s += "rport:" + std::to_string(rule.rport) + " ";
      noted(s + format_action(t_, rule.action), notes ? at(*notes, k) : nullptr);
    }
    if (r.default_action.kind != ActionKind::Fail)
      line("default " + format_action(t_, r.default_action));
  }

  void map_set(std::size_t i) {
    const MapSet& m = t_.map_sets[i];
    line("");
    if (const auto* c = at(n_.map_set_comment, i)) comment(*c);
    const auto lip = m.spec.lip_mask.mask_length().value_or(128);
    const auto rip = m.spec.rip_mask.mask_length().value_or(128);
    std::string head = "map-set:" + std::to_string(m.id);
    if (lip) head += " match-lip:" + std::to_string(lip);
    if (rip) head += " match-rip:" + std::to_string(rip);
    if (m.spec.lport) head += " match-lport:1";
    if (m.spec.rport) head += " match-rport:1";
    line(head + size_word(m.size()));
    const auto* notes = at(n_.entries, i);
    for (std::size_t k = 0; k < m.size(); ++k) {
      const MapKey& key = m.key(k);
      std::string s;
      if (lip) s += "ip:" + format_addr(key.local) + " ";
      if (m.spec.lport) s += "port:" + std::to_string(key.lport) + " ";
      if (rip) s += "rip:" + format_addr(key.remote) + " ";
      if (m.spec.rport) s += "rport:" + std::to_string(key.rport) + " ";
      noted(s + format_action(t_, m.action(k)), notes ? at(*notes, k) : nullptr);
    }
    if (m.default_action.kind != ActionKind::Fail)
      line("default " + format_action(t_, m.default_action));
  }

  const Table& t_;
  const TableNotes& n_;
  WrittenTable out_;
};

}  // namespace

std::string format_action(const Table& t, const Action& a) {
  switch (a.kind) {
    case ActionKind::Fail:
      return "fail";
    case ActionKind::Unix:
      return "jump-unix:" + t.targets[a.arg].path;
    case ActionKind::UnixAny: {
      std::string s = "jump-unix-any:";
      for (const std::uint32_t i : t.targets_of_list(a.arg)) {
        if (s.back() != ':') s += ',';
        s += t.targets[i].path;
      }
      return s;
    }
    case ActionKind::Fd:
      return "jump-fd:" + std::to_string(a.arg);
    case ActionKind::JumpMap:
      return "jump-map:" + std::to_string(t.map_sets[a.arg].id);
    case ActionKind::JumpRule:
      return "jump-rule:" + std::to_string(t.rule_sets[a.arg].id);
  }
  return "fail";
}

WrittenTable format_table(const Table& t, const TableNotes& notes) {
  return Writer(t, notes).run();
}

std::string format_table(const Table& t) { return format_table(t, TableNotes{}).text; }

}  // namespace socketbox::table
