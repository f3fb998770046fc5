#!/usr/bin/env bash
# failover.sh with the hard kill: SIGKILL to every process of the first
# nginx mid-load (see FAILOVER_MODE=kill there).
export FAILOVER_MODE=kill SB_TEST_NAME=failover_kill
exec bash "$(dirname "$0")/failover.sh"
