// Small helpers shared by the table tests.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
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

// What a lookup decides, as text: "fail", "unix:/path", "unix-any:/a,/b"
// or "fd:N".
inline std::string decide(const socketbox::table::Table& table, const socketbox::table::Tuple& t) {
  const auto a = table.lookup(t);
  switch (a.kind) {
    case socketbox::table::ActionKind::Unix:
      return "unix:" + table.targets[a.arg].path;
    case socketbox::table::ActionKind::UnixAny: {
      std::string s = "unix-any:";
      for (const std::uint32_t i : table.targets_of_list(a.arg)) {
        if (s.back() != ':') s += ',';
        s += table.targets[i].path;
      }
      return s;
    }
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

// A fresh directory under $TMPDIR (or /tmp), removed with all it holds.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/sbtable-test.XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace sbtest
