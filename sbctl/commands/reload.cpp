// sbctl reload [--control PATH]: asks the running sbd to read its table file
// again, through its control socket, and says whether it did. sbd.service's
// ExecReload= is this command, so "systemctl reload sbd" fails visibly when
// the new table does not load (and sbd keeps the old one in service).
#include <cstdio>

#include "commands/command.hpp"
#include "commands/commands.hpp"
#include "ops/sbd_reload.hpp"
#include "output/style.hpp"

namespace socketbox::sbctl {

int run_reload(const ReloadOptions& o) {
  const ReloadOutcome r = reload_sbd(o.control);
  switch (r.kind) {
    case ReloadOutcome::Kind::Reloaded:
      if (o.json)
        std::printf("{\"reloaded\":true,\"table_generation\":%lld}\n", r.generation);
      else
        std::printf("sbd reloaded its table (generation %lld)\n", r.generation);
      return kExitOk;
    case ReloadOutcome::Kind::NotRunning:
      print_error("sbd is not running at " + o.control + " (" + r.message + ")");
      return kExitError;
    case ReloadOutcome::Kind::Refused:
      print_error("sbd refused the table; the old one stays in service: " + r.message);
      return kExitError;
  }
  return kExitError;
}

}  // namespace socketbox::sbctl
