#include "active_table.hpp"

#include "socketbox/table/parser.hpp"

namespace socketbox::daemon {

namespace tbl = socketbox::table;

std::shared_ptr<const tbl::Table> load_table(const std::string& path) {
  return std::make_shared<const tbl::Table>(tbl::load_table_file(path));
}

std::shared_ptr<const tbl::Table> send_all_table(const std::string& path) {
  // Built directly rather than parsed, so any path (spaces, '#', ':') works.
  auto t = std::make_shared<tbl::Table>();
  t->source = "--send-all " + path;
  tbl::RuleSet rs;
  rs.default_action = {tbl::ActionKind::Unix, 0};
  t->rule_sets.push_back(std::move(rs));
  t->targets.push_back({path, path.find("#//") != std::string::npos});
  return t;
}

}  // namespace socketbox::daemon
