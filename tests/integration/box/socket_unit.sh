#!/usr/bin/env bash
# sbd.socket and sbd.service as written work together: sbd takes the socket
# from LISTEN_FDS, reports READY=1, drops to an unprivileged user, and a
# connection made while sbd is down (crashed, restarting) waits in the
# socket systemd holds and is dispatched once sbd is back. socket_unit.py
# plays systemd, with the settings read from the generated units.
. "$(dirname "$0")/../lib.sh"
sb_require_root
[[ -x $SB_BIN/sbd ]] || sb_fail "sbd is not built"
units=$SB_BUILD_DIR/dist/build-tree
[[ -f $units/sbd.socket && -f $units/sbd.service ]] || sb_fail "the units were not generated in $units"

sb_topology
mkdir -m 2755 "$SB_TMP/run"
out=$(sb_in "$SB_NS_ROUTER" python3 "$(dirname "$0")/socket_unit.py" "$units" "$SB_TMP" "$SB_NS_CLIENT" \
  fd01:db8:1:40::1:10 nobody nogroup 2>&1) || sb_fail "$out"
sb_log "$out"
sb_assert_contains "$out" "connection made while sbd was down: served $SB_CLIENT6" "socket_unit.py"
sb_pass
