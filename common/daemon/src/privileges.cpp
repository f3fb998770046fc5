#include "privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "exit_codes.hpp"
#include "setup_error.hpp"

namespace socketbox::daemon {
namespace {

bool parse_id(const std::string& s, unsigned& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

gid_t resolve_group(const std::string& name) {
  unsigned id = 0;
  if (parse_id(name, id)) return id;
  errno = 0;
  const group* g = getgrnam(name.c_str());
  if (!g) throw SetupError("unknown group '" + name + "'", kExitUsage);
  return g->gr_gid;
}

}  // namespace

Credentials resolve_credentials(const std::string& user, const std::string& group,
                                const std::vector<std::string>& groups) {
  Credentials c;
  if (!user.empty()) {
    unsigned id = 0;
    c.set_uid = true;
    if (parse_id(user, id)) {
      c.uid = id;
      const passwd* pw = getpwuid(id);
      c.gid = pw ? pw->pw_gid : id;
    } else {
      const passwd* pw = getpwnam(user.c_str());
      if (!pw) throw SetupError("unknown user '" + user + "'", kExitUsage);
      c.uid = pw->pw_uid;
      c.gid = pw->pw_gid;
    }
    c.set_gid = true;
  }
  if (!group.empty()) {
    c.set_gid = true;
    c.gid = resolve_group(group);
  }
  for (const auto& g : groups) c.groups.push_back(resolve_group(g));
  return c;
}

void drop_privileges(const Credentials& c, const std::string& chroot_dir) {
  if (!chroot_dir.empty()) {
    if (chroot(chroot_dir.c_str()) < 0)
      throw SetupError(errno_text("cannot chroot to " + chroot_dir, errno));
    if (chdir("/") < 0) throw SetupError(errno_text("cannot chdir to / in the chroot", errno));
  }
  // The bounding set first: dropping it needs CAP_SETPCAP, which setresuid
  // below takes away. EINVAL marks the end of the kernel's capabilities.
  for (int cap = 0; cap <= 63; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
      throw SetupError(errno_text(
          "cannot drop capability " + std::to_string(cap) + " from the bounding set", errno));
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (c.set_gid || c.set_uid || !c.groups.empty()) {
    if (setgroups(c.groups.size(), c.groups.data()) < 0)
      throw SetupError(errno_text("cannot set supplementary groups", errno));
  }
  if (c.set_gid && setresgid(c.gid, c.gid, c.gid) < 0)
    throw SetupError(errno_text("cannot switch to group " + std::to_string(c.gid), errno));
  if (c.set_uid && setresuid(c.uid, c.uid, c.uid) < 0)
    throw SetupError(errno_text("cannot switch to user " + std::to_string(c.uid), errno));
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    throw SetupError(errno_text("cannot set no_new_privs", errno));
  // Still uid 0 when no -u was given: clear every capability set by hand
  // (capset, as libcap would).
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capset, &hdr, data) < 0)
    throw SetupError(errno_text("cannot drop capabilities", errno));
  if (syscall(SYS_capget, &hdr, data) < 0 || data[0].effective || data[1].effective ||
      data[0].permitted || data[1].permitted)
    throw SetupError("capabilities are still present after dropping them");
}

}  // namespace socketbox::daemon
