// Load-time set-up. Nothing here can fail the host process: a bad
// environment disables the library with one line on stderr.
#include "config.hpp"
#include "endpoints.hpp"
#include "real.hpp"

namespace {

__attribute__((constructor)) void sb_preload_init() {
  socketbox::preload::real::resolve_all();
  socketbox::preload::load_config();
  socketbox::preload::install_fork_handlers();
}

}  // namespace
