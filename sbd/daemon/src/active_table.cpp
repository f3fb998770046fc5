#include "active_table.hpp"

#include <fcntl.h>

#include <set>

#include "socketbox/table/parser.hpp"
#include "socketbox/table/text_check.hpp"

namespace socketbox::daemon {

namespace tbl = socketbox::table;

std::shared_ptr<const tbl::Table> load_table(const std::string& path,
                                             const tbl::LoadLimits& limits) {
  return std::make_shared<const tbl::Table>(tbl::load_table_file(path, limits));
}

std::vector<std::string> table_warnings(const tbl::Table& t) {
  std::vector<std::string> out;
  std::set<std::uint32_t> fds;
  for_each_action(t, [&fds](const tbl::Action& a) {
    if (a.kind == tbl::ActionKind::Fd) fds.insert(a.arg);
  });
  for (const std::uint32_t fd : fds)
    if (fd > 0x7fffffffu || fcntl(static_cast<int>(fd), F_GETFD) < 0)
      out.push_back("jump-fd:" + std::to_string(fd) +
                    " is not an open descriptor of sbd; connections sent there will fail");
  return out;
}

std::shared_ptr<const tbl::Table> send_all_table(const std::string& path) {
  // Built directly rather than parsed, so any path (spaces, '#', ':') works;
  // but it is held to the rules of a jump-unix path.
  if (const auto bad = tbl::check_socket_path(path))
    throw tbl::ParseError("--send-all", 0, 0, bad->what);
  auto t = std::make_shared<tbl::Table>();
  t->source = "--send-all " + path;
  tbl::RuleSet rs;
  rs.default_action = {tbl::ActionKind::Unix, 0};
  t->rule_sets.push_back(std::move(rs));
  t->targets.push_back({path, path.find("#//") != std::string::npos});
  t->seal();
  return t;
}

}  // namespace socketbox::daemon
