// sb-test-socketdir ensure|drift PATH OWNER_UID ACCESS_GROUP: the socket
// directory layout through netcfg (what sbctl apply/diff use), for tests
// with real users. `drift` prints each difference and exits 1 if any.
#include <cstdio>
#include <exception>
#include <string>

#include "socketbox/netcfg/kernel.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: sb-test-socketdir ensure|drift PATH OWNER_UID ACCESS_GROUP\n");
    return 2;
  }
  socketbox::netcfg::SocketDir d;
  d.path = argv[2];
  d.owner_uid = static_cast<uid_t>(std::stoul(argv[3]));
  d.access_group = argv[4];
  try {
    if (std::string(argv[1]) == "ensure") {
      socketbox::netcfg::ensure_socketdir(d);
      return 0;
    }
    const auto drift = socketbox::netcfg::socketdir_drift(d);
    for (const auto& line : drift) std::printf("%s\n", line.c_str());
    return drift.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sb-test-socketdir: %s\n", e.what());
    return 2;
  }
}
