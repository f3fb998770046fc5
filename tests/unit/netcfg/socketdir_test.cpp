// Socket directories: the seed's layout made with libacl, and drift reports.
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "kernel_support.hpp"

using namespace socketbox::netcfg;

namespace {

// A group that exists on any Debian system, other than root's own.
std::string some_group() {
  for (const char* g : {"daemon", "nogroup", "adm"})
    if (getgrnam(g)) return g;
  return "root";
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/sbnc-socketdir-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    path = tmpl;
  }
  ~TempDir() { sbtest::run("rm -rf '" + path + "'"); }
};

}  // namespace

TEST_CASE("ensure_socketdir makes the seed's layout and socketdir_drift sees changes") {
  if (geteuid() != 0) {
    WARN("skipped: needs root to chown");
    SUCCEED();
    return;
  }
  TempDir tmp;
  const std::string group = some_group();
  const gid_t gid = getgrnam(group.c_str())->gr_gid;
  SocketDir dir{tmp.path + "/socketbox/00001", 100000, group};

  const auto missing = socketdir_drift(dir);
  REQUIRE(missing.size() == 2);
  CHECK(missing[0] == tmp.path + "/socketbox: missing (want directory 2755 root:" + group + ")");
  CHECK(missing[1] == dir.path + ": missing");

  ensure_socketdir(dir);
  CHECK(socketdir_drift(dir).empty());

  struct stat st {};
  REQUIRE(stat((tmp.path + "/socketbox").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 02755);
  CHECK(st.st_uid == 0);
  CHECK(st.st_gid == gid);
  REQUIRE(stat(dir.path.c_str(), &st) == 0);
  CHECK(st.st_uid == 0);
  CHECK(st.st_gid == gid);
  CHECK((st.st_mode & 07777) == 02770);  // group bits show the ACL mask
  const auto acl = sbtest::run("getfacl -cn '" + dir.path + "'");
  if (acl.rc == 0) {
    CHECK(acl.out.find("user::rwx\nuser:100000:rwx\ngroup::r-x\nmask::rwx\nother::---\n") !=
          std::string::npos);
  }

  // Drift after chmod: the mode (and with it the mask) changes.
  REQUIRE(chmod(dir.path.c_str(), 0755) == 0);
  auto drift = socketdir_drift(dir);
  INFO(drift.size());
  CHECK(std::find(drift.begin(), drift.end(), dir.path + ": mode 0755, want 2750") != drift.end());
  ensure_socketdir(dir);
  CHECK(socketdir_drift(dir).empty());

  // Drift after the ACL is removed.
  if (sbtest::run("setfacl -b '" + dir.path + "'").rc == 0) {
    drift = socketdir_drift(dir);
    CHECK(std::find(drift.begin(), drift.end(), dir.path + ": ACL entry user:100000:rwx missing") !=
          drift.end());
    ensure_socketdir(dir);
    CHECK(socketdir_drift(dir).empty());
  }

  // Drift after chown and an extra ACL entry.
  REQUIRE(chown(dir.path.c_str(), 1234, 0) == 0);
  drift = socketdir_drift(dir);
  CHECK(std::find(drift.begin(), drift.end(), dir.path + ": owner uid 1234, want 0 (root)") !=
        drift.end());
  CHECK(std::find(drift.begin(), drift.end(),
                  dir.path + ": group gid 0, want " + group + " (gid " + std::to_string(gid) +
                      ")") != drift.end());
  ensure_socketdir(dir);
  CHECK(socketdir_drift(dir).empty());

  // Sockets made inside inherit the group through the setgid bit.
  REQUIRE(mkdir((dir.path + "/sub").c_str(), 0700) == 0);
  REQUIRE(stat((dir.path + "/sub").c_str(), &st) == 0);
  CHECK(st.st_gid == gid);
}

TEST_CASE("An unknown access group is a clear error") {
  SocketDir dir{"/tmp/sbnc-never-made/00001", 100000, "sbnc-no-such-group"};
  CHECK_THROWS_WITH(ensure_socketdir(dir),
                    "unknown group 'sbnc-no-such-group' (access_group of socket directory "
                    "/tmp/sbnc-never-made/00001)");
  CHECK_THROWS_WITH(socketdir_drift(dir),
                    "unknown group 'sbnc-no-such-group' (access_group of socket directory "
                    "/tmp/sbnc-never-made/00001)");
  struct stat st {};
  CHECK(stat("/tmp/sbnc-never-made", &st) != 0);
}
