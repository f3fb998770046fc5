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
// them declared; write them when they fit so its parser reads our output too.
std::string size_word(std::size_t n) {
  return n >= 1 && n <= 1000 ? " size:" + std::to_string(n) : "";
}

}  // namespace

std::string format_action(const Table& t, const Action& a) {
  switch (a.kind) {
    case ActionKind::Fail:
      return "fail";
    case ActionKind::Unix:
      return "jump-unix:" + t.targets[a.arg].path;
    case ActionKind::Fd:
      return "jump-fd:" + std::to_string(a.arg);
    case ActionKind::JumpMap:
      return "jump-map:" + std::to_string(t.map_sets[a.arg].id);
    case ActionKind::JumpRule:
      return "jump-rule:" + std::to_string(t.rule_sets[a.arg].id);
  }
  return "fail";
}

std::string format_table(const Table& t) {
  std::string out;
  std::uint32_t max_rule = 0, max_map = 0;
  for (const auto& r : t.rule_sets) max_rule = std::max(max_rule, r.id);
  for (const auto& m : t.map_sets) max_map = std::max(max_map, m.id);
  if (!t.map_sets.empty() && max_map < 1000)
    out += "max-maps:" + std::to_string(max_map + 1) + "\n";
  if (max_rule < 1000) out += "max-rules:" + std::to_string(max_rule + 1) + "\n";

  for (const RuleSet& r : t.rule_sets) {
    out += "\nrule-set:" + std::to_string(r.id) +
           size_word(std::max<std::size_t>(r.rules.size(), 1)) + "\n";
    for (const Rule& rule : r.rules) {
      std::string line;
      if (rule.lip_mask != Addr{}) line += ip_word("ip", rule.lip, rule.lip_mask) + " ";
      if (rule.match_lport) line += "port:" + std::to_string(rule.lport) + " ";
      if (rule.rip_mask != Addr{}) line += ip_word("rip", rule.rip, rule.rip_mask) + " ";
      if (rule.match_rport) line += "rport:" + std::to_string(rule.rport) + " ";
      out += line + format_action(t, rule.action) + "\n";
    }
    if (r.default_action.kind != ActionKind::Fail)
      out += "default " + format_action(t, r.default_action) + "\n";
  }

  for (const MapSet& m : t.map_sets) {
    out += "\nmap-set:" + std::to_string(m.id) + size_word(std::max<std::size_t>(m.size(), 1));
    const auto lip = m.spec.lip_mask.mask_length().value_or(128);
    const auto rip = m.spec.rip_mask.mask_length().value_or(128);
    if (lip) out += " match-lip:" + std::to_string(lip);
    if (rip) out += " match-rip:" + std::to_string(rip);
    if (m.spec.lport) out += " match-lport:1";
    if (m.spec.rport) out += " match-rport:1";
    out += "\n";
    for (std::size_t i = 0; i < m.size(); ++i) {
      const MapKey& k = m.key(i);
      std::string line;
      if (lip) line += "ip:" + format_addr(k.local) + " ";
      if (m.spec.lport) line += "port:" + std::to_string(k.lport) + " ";
      if (rip) line += "rip:" + format_addr(k.remote) + " ";
      if (m.spec.rport) line += "rport:" + std::to_string(k.rport) + " ";
      out += line + format_action(t, m.action(i)) + "\n";
    }
    if (m.default_action.kind != ActionKind::Fail)
      out += "default " + format_action(t, m.default_action) + "\n";
  }
  return out;
}

}  // namespace socketbox::table
