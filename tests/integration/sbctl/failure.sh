#!/usr/bin/env bash
# A failure at any point leaves the box as it was: an injected netcfg
# failure (after the nft transaction, in the middle of the routes) and sbd
# refusing the new table all leave nft, routes and the table file exactly as
# before, and no generation behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
write_profile "$SB_TMP/a.toml"
write_profile "$SB_TMP/b.toml" "22, 8080"
sed -i "s|vm7/sb-00443|vm7/nginx-new|" "$SB_TMP/b.toml"
state0=$(box_state "$r")

apply_rc() {
  local rc=0
  sbctl apply "$@" --netns "$r" --state-dir "$STATE" >"$SB_TMP/apply.out" 2>&1 || rc=$?
  echo "$rc"
}
fault_apply_rc() { # POINT PROFILE: an apply that fails at POINT (netcfg's test hook)
  local rc=0
  sb-test-sbctl-fault "$1" apply "$2" --netns "$r" --state-dir "$STATE" >"$SB_TMP/apply.out" 2>&1 || rc=$?
  echo "$rc"
}

# Nothing applied yet: an injected failure after the nft batch.
sb_assert_eq 2 "$(fault_apply_rc after-nft "$SB_TMP/a.toml")" "apply with a failure after nft"
sb_assert_contains "$(cat "$SB_TMP/apply.out")" "nothing was changed" "error line"
sb_assert_eq "$state0" "$(box_state "$r")" "state after the failed apply"
sb_assert_eq "None" "$(json_get "$(sbctl status --state-dir "$STATE" --json)" "j['generation']")" "no generation"
sb_assert_eq "" "$(ls "$STATE/generations")" "no generation directory left"

sb_assert_eq 0 "$(apply_rc "$SB_TMP/a.toml")" "apply a.toml"
stateA=$(box_state "$r")

for fault in after-nft mid-routes; do
  sb_assert_eq 2 "$(fault_apply_rc "$fault" "$SB_TMP/b.toml")" "apply b with fault $fault"
  sb_assert_eq "$stateA" "$(box_state "$r")" "state after fault $fault"
done

# sbd refuses the new table: a stand-in control socket that says no.
python3 - "$SB_TMP/sbd.ctl" >"$SB_TMP/fake-sbd.log" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.recv(100)
    c.sendall(b'{"ok":false,"error":"sbd.conf:3:1: error: refused for the test"}\n')
    c.close()
PY
fake=$!
sb_on_exit "kill $fake"
sb_wait_path 10 "$SB_TMP/sbd.ctl"
sb_assert_eq 2 "$(apply_rc "$SB_TMP/b.toml")" "apply b with sbd refusing"
sb_assert_contains "$(cat "$SB_TMP/apply.out")" "sbd refused the new table: sbd.conf:3:1: error: refused for the test" "error line"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after sbd refused"
sb_assert_eq "1" "$(ls "$STATE/generations")" "only generation 1 is recorded"
sb_assert_eq 1 "$(json_get "$(sbctl status --state-dir "$STATE" --json)" "j['generation']")" "generation 1 current"
# The stand-in answers `status` with a reload's answer: sbctl names what is
# missing instead of showing zeros.
sb_assert_contains "$(json_get "$(sbctl status --state-dir "$STATE" --json)" "j['sbd_error']")" \
  "sbd's answer lacks field 'listen'" "status of an sbd whose answer lacks a field"
sb_pass
