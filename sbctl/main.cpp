// sbctl: compiles a socketbox profile into kernel state and sbd's table, and
// applies, diffs, confirms and rolls back changes (see docs/sbctl.md).
#include "commands/commands.hpp"

int main(int argc, char** argv) { return socketbox::sbctl::run_command_line(argc, argv); }
