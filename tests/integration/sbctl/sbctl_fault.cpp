// sb-test-sbctl-fault [--kill] POINT SBCTL-ARGS...: sbctl with netcfg's
// fault hook installed, so that integration tests can make a real apply fail
// (or die by SIGKILL, as a `kill -9` would) at a named point. It fires once:
// the restore after the failure runs unhooked. POINT#N fires at the Nth time
// the point is reached instead (#2: the confirm watcher's rollback after an
// apply that passed it once). The hook is injected here, in
// a test program; sbctl itself never reads one from the environment.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "commands/commands.hpp"
#include "socketbox/netcfg/fault_hook.hpp"
#include "socketbox/netcfg/kernel.hpp"

namespace {

std::string g_point;
bool g_armed = false;
int g_skip = 0;  // times to let the point pass before firing
bool g_kill = false;

void hook(const char* at) {
  if (!g_armed || g_point != at) return;
  if (g_skip > 0) {
    --g_skip;
    return;
  }
  g_armed = false;
  if (g_kill) std::raise(SIGKILL);
  throw socketbox::netcfg::NetcfgError(std::string("injected failure at ") + at);
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  if (i < argc && std::strcmp(argv[i], "--kill") == 0) {
    g_kill = true;
    ++i;
  }
  if (i >= argc) {
    std::fprintf(stderr, "usage: sb-test-sbctl-fault [--kill] POINT SBCTL-ARGS...\n");
    return 2;
  }
  g_point = argv[i];
  g_armed = true;
  if (const auto hash = g_point.find('#'); hash != std::string::npos) {
    g_skip = std::atoi(g_point.c_str() + hash + 1) - 1;
    g_point.resize(hash);
  }
  socketbox::netcfg::set_fault_hook(hook);
  // argv[i] becomes the program name sbctl's parser skips.
  return socketbox::sbctl::run_command_line(argc - i, argv + i);
}
