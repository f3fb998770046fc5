#!/usr/bin/env bash
# An apply killed (SIGKILL) between the nft transaction and the route changes
# leaves a half-made change; the next sbctl run says so and repairs it: status
# warns, and apply or rollback first put back the state from before it. A
# foreign nft table is never touched.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
sb_in "$r" nft add table inet firewall
sb_in "$r" nft add chain inet firewall input '{ type filter hook input priority 0; policy accept; }'
foreign_before=$(sb_in "$r" nft list table inet firewall)
write_profile "$SB_TMP/a.toml"
write_profile "$SB_TMP/b.toml" "22, 8080"
sed -i "s|vm7/sb-00443|vm7/nginx-new|" "$SB_TMP/b.toml"

sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" >"$SB_TMP/apply-a.log" 2>&1
stateA=$(box_state "$r")

kill_at() { # POINT PROFILE: an apply that dies by SIGKILL at POINT
  local rc=0
  sb-test-sbctl-fault --kill "$1" apply "$2" --netns "$r" --state-dir "$STATE" >"$SB_TMP/killed.log" 2>&1 || rc=$?
  sb_assert_eq 137 "$rc" "exit status of the apply killed at $1"
}

for point in after-nft mid-routes; do
  kill_at "$point" "$SB_TMP/b.toml"
  [[ "$(box_state "$r")" != "$stateA" ]] || sb_fail "the kill at $point left no trace to repair (test is not testing)"
  status=$(sbctl status --state-dir "$STATE" --netns "$r" 2>&1 || true)
  sb_assert_contains "$status" "was interrupted before it finished" "status after the kill at $point"
  # rollback repairs the interrupted change first; the current generation (a) stays.
  out=$(sbctl rollback --netns "$r" --state-dir "$STATE" 2>&1)
  sb_assert_contains "$out" "was interrupted before it finished; put back" "rollback's report"
  sb_assert_contains "$out" "rolled back generation" "rollback then undoes the current generation"
  sb_assert_eq "no table file" "$(box_state "$r" | tail -n 1)" "rollback of the first apply removes its table"
  sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" >"$SB_TMP/apply-a.log" 2>&1
  sb_assert_eq "$stateA" "$(box_state "$r")" "state a again after repairing the kill at $point"
done

# apply also repairs first, then makes the new change.
kill_at after-nft "$SB_TMP/b.toml"
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" 2>&1)
sb_assert_contains "$out" "was interrupted before it finished; put back" "apply's report"
stateB=$(box_state "$r")
[[ "$stateB" != "$stateA" ]] || sb_fail "apply of b after the repair changed nothing"
sb_assert_eq 0 "$(sbctl diff "$SB_TMP/b.toml" --netns "$r" >/dev/null 2>&1; echo $?)" "diff after repair + apply"
sb_assert_eq "$foreign_before" "$(sb_in "$r" nft list table inet firewall)" "the foreign table"
sb_pass
