// Socket directories with the seed's permission layout, through libacl:
//   parent  2755 root:access_group (made only if missing)
//   dir     2750 root:access_group, ACL user:owner_uid:rwx (+ mask rwx)
// The setgid bit makes sockets created inside belong to access_group even
// when it is not mapped in the container's user namespace.
#include <acl/libacl.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "error.hpp"
#include "socketbox/netcfg/kernel.hpp"
#include "socketbox/unique_fd.hpp"

namespace socketbox::netcfg {
namespace {

constexpr mode_t kParentMode = 02755;
constexpr mode_t kDirMode = 02750;

struct AclFree {
  void operator()(void* p) const noexcept { acl_free(p); }
};
using AclPtr = std::unique_ptr<std::remove_pointer_t<acl_t>, AclFree>;

gid_t group_id(const SocketDir& dir) {
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  const int err = getgrnam_r(dir.access_group.c_str(), &gr, buf.data(), buf.size(), &found);
  if (err) throw_errno("looking up group '" + dir.access_group + "'", err);
  if (!found)
    throw_error("unknown group '" + dir.access_group + "' (access_group of socket directory " +
                dir.path + ")");
  return found->gr_gid;
}

std::string parent_of(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string octal(mode_t m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::string perm_text(unsigned bits) {
  std::string s = "---";
  if (bits & 4) s[0] = 'r';
  if (bits & 2) s[1] = 'w';
  if (bits & 1) s[2] = 'x';
  return s;
}

unsigned entry_perms(acl_entry_t e) {
  acl_permset_t ps;
  if (acl_get_permset(e, &ps) != 0) return 0;
  return (acl_get_perm(ps, ACL_READ) == 1 ? 4u : 0u) |
         (acl_get_perm(ps, ACL_WRITE) == 1 ? 2u : 0u) |
         (acl_get_perm(ps, ACL_EXECUTE) == 1 ? 1u : 0u);
}

UniqueFd open_dir(const std::string& path) {
  return UniqueFd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

}  // namespace

std::vector<std::string> socketdir_drift(const SocketDir& dir) {
  const gid_t gid = group_id(dir);
  std::vector<std::string> out;
  const std::string parent = parent_of(dir.path);
  struct stat st {};
  if (stat(parent.c_str(), &st) != 0)
    out.push_back(parent + ": missing (want directory " + octal(kParentMode) +
                  " root:" + dir.access_group + ")");
  if (lstat(dir.path.c_str(), &st) != 0) {
    out.push_back(dir.path + ": missing");
    return out;
  }
  if (!S_ISDIR(st.st_mode)) {
    out.push_back(dir.path + ": not a directory");
    return out;
  }
  if (st.st_uid != 0)
    out.push_back(dir.path + ": owner uid " + std::to_string(st.st_uid) + ", want 0 (root)");
  if (st.st_gid != gid)
    out.push_back(dir.path + ": group gid " + std::to_string(st.st_gid) + ", want " +
                  dir.access_group + " (gid " + std::to_string(gid) + ")");

  UniqueFd fd = open_dir(dir.path);
  AclPtr acl(fd.get() >= 0 ? acl_get_fd(fd.get()) : nullptr);
  if (!acl) throw_errno("reading the ACL of " + dir.path, errno);
  // With an ACL, the mode's group bits show the mask; the owning group's own
  // permissions are the ACL's group entry. Compare the mode as the seed sets it.
  mode_t mode = st.st_mode & 07777;
  bool have_user = false;
  std::optional<unsigned> mask;
  acl_entry_t e;
  for (int r = acl_get_entry(acl.get(), ACL_FIRST_ENTRY, &e); r == 1;
       r = acl_get_entry(acl.get(), ACL_NEXT_ENTRY, &e)) {
    acl_tag_t tag;
    if (acl_get_tag_type(e, &tag) != 0) continue;
    const unsigned perms = entry_perms(e);
    if (tag == ACL_GROUP_OBJ) {
      mode = static_cast<mode_t>((mode & ~070u) | (perms << 3));
    } else if (tag == ACL_MASK) {
      mask = perms;
    } else if (tag == ACL_USER || tag == ACL_GROUP) {
      void* q = acl_get_qualifier(e);
      const unsigned long id =
          q ? (tag == ACL_USER ? *static_cast<uid_t*>(q) : *static_cast<gid_t*>(q)) : 0;
      if (q) acl_free(q);
      const std::string name =
          std::string(tag == ACL_USER ? "user:" : "group:") + std::to_string(id);
      if (tag == ACL_USER && id == dir.owner_uid) {
        have_user = true;
        if (perms != 7)
          out.push_back(dir.path + ": ACL entry " + name + ":" + perm_text(perms) + ", want " +
                        name + ":rwx");
      } else {
        out.push_back(dir.path + ": extra ACL entry " + name + ":" + perm_text(perms));
      }
    }
  }
  if (mode != kDirMode)
    out.push_back(dir.path + ": mode " + octal(mode) + ", want " + octal(kDirMode));
  if (!have_user)
    out.push_back(dir.path + ": ACL entry user:" + std::to_string(dir.owner_uid) + ":rwx missing");
  else if (mask && *mask != 7)
    out.push_back(dir.path + ": ACL mask " + perm_text(*mask) + ", want rwx");
  return out;
}

void ensure_socketdir(const SocketDir& dir) {
  const gid_t gid = group_id(dir);
  const std::string parent = parent_of(dir.path);
  struct stat st {};
  if (stat(parent.c_str(), &st) != 0) {
    if (errno != ENOENT) throw_errno("checking " + parent, errno);
    if (mkdir(parent.c_str(), kParentMode) != 0 && errno != EEXIST)
      throw_errno("creating " + parent, errno);
    UniqueFd pfd = open_dir(parent);
    if (pfd.get() < 0) throw_errno("opening " + parent, errno);
    if (fchown(pfd.get(), 0, gid) != 0) throw_errno("setting the owner of " + parent, errno);
    if (fchmod(pfd.get(), kParentMode) != 0) throw_errno("setting the mode of " + parent, errno);
  }
  if (mkdir(dir.path.c_str(), kDirMode) != 0 && errno != EEXIST)
    throw_errno("creating " + dir.path, errno);
  UniqueFd fd = open_dir(dir.path);  // O_NOFOLLOW: never repair through a symlink
  if (fd.get() < 0) throw_errno("opening " + dir.path + " as a directory", errno);
  if (fchown(fd.get(), 0, gid) != 0) throw_errno("setting the owner of " + dir.path, errno);
  if (fchmod(fd.get(), kDirMode) != 0) throw_errno("setting the mode of " + dir.path, errno);
  const std::string text =
      "u::rwx,g::r-x,o::---,u:" + std::to_string(dir.owner_uid) + ":rwx,m::rwx";
  AclPtr acl(acl_from_text(text.c_str()));
  if (!acl) throw_errno("building the ACL " + text, errno);
  if (acl_valid(acl.get()) != 0) throw_error("invalid ACL " + text);
  if (acl_set_fd(fd.get(), acl.get()) != 0) throw_errno("setting the ACL of " + dir.path, errno);
}

}  // namespace socketbox::netcfg
