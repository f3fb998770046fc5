// The kernel half of a profile: what netcfg must make the kernel hold.
#pragma once

#include "profile/profile.hpp"
#include "socketbox/netcfg/model.hpp"

namespace socketbox::sbctl {

netcfg::DesiredState desired_state(const Profile& p);
std::vector<netcfg::SocketDir> socket_dirs(const Profile& p);

}  // namespace socketbox::sbctl
