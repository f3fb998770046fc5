// Small helpers shared by the table tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "socketbox/table/address.hpp"
#include "socketbox/table/table.hpp"

namespace sbtest {

inline socketbox::table::Tuple tuple(const char* local, std::uint16_t lport,
                                     const char* remote = "fd00:c::2",
                                     std::uint16_t rport = 40000) {
  socketbox::table::Tuple t;
  t.local = *socketbox::table::parse_addr(local);
  t.remote = *socketbox::table::parse_addr(remote);
  t.lport = lport;
  t.rport = rport;
  return t;
}

// What a lookup decides, as text: "fail", "unix:/path" or "fd:N".
inline std::string decide(const socketbox::table::Table& table, const socketbox::table::Tuple& t) {
  const auto a = table.lookup(t);
  switch (a.kind) {
    case socketbox::table::ActionKind::Unix:
      return "unix:" + table.targets[a.arg].path;
    case socketbox::table::ActionKind::Fd:
      return "fd:" + std::to_string(a.arg);
    default:
      return "fail";
  }
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace sbtest
