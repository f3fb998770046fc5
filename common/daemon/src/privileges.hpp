// Dropping what a daemon (sbd, sb-relay) no longer needs once its sockets are bound: chroot,
// user/group/supplementary groups, every capability (effective, permitted,
// inheritable, ambient and the bounding set), and PR_SET_NO_NEW_PRIVS.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace socketbox::daemon {

struct Credentials {
  bool set_uid = false, set_gid = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // replaces the supplementary groups when set_gid or set_uid
};

// Resolves user/group/supplementary-group names or numbers (before any
// chroot hides /etc); empty means unchanged. Throws SetupError.
Credentials resolve_credentials(const std::string& user, const std::string& group,
                                const std::vector<std::string>& groups);

// chroot, switch ids, drop capabilities, set no_new_privs. Throws SetupError.
void drop_privileges(const Credentials& c, const std::string& chroot_dir);

}  // namespace socketbox::daemon
