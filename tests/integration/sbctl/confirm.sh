#!/usr/bin/env bash
# apply --confirm: without `sbctl confirm` the change rolls itself back
# (detached watcher); with it, it stays. A pending generation blocks
# further applies until confirmed or rolled back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
write_profile "$SB_TMP/a.toml"
state0=$(box_state "$r")
status_of() { json_get "$(sbctl status --state-dir "$STATE" --json)" "$1"; }

out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" --confirm 2 2>/dev/null) || sb_fail "apply --confirm failed"
sb_assert_contains "$out" "applied generation 1; run 'sbctl confirm --state-dir $STATE' within 2 s or it is rolled back" "apply output"
# (2 s is short for a loaded machine: what was applied is checked through
# the generation and the watcher's log, not by racing the deadline.)
sb_assert_contains "$(cat "$STATE/generations/1/after/kernel.toml")" "fd01:db8:1:40::/64" "generation 1's kernel state"
watcher=$(cat "$STATE/generations/1/watcher.pid")

# No confirm: the watcher rolls back by itself.
sb_wait_for 15 "the watcher to roll generation 1 back" bash -c "! kill -0 $watcher"
sb_assert_eq "$state0" "$(box_state "$r")" "state after the automatic rollback"
sb_assert_eq None "$(status_of "j['generation']")" "no generation after the automatic rollback"
sb_assert_contains "$(cat "$STATE/generations/1/meta")" "state=rolled-back" "generation 1 meta"
sb_assert_contains "$(cat "$STATE/generations/1/watcher.log")" "generation 1 was not confirmed in time: rolled back" "watcher log"
rc=0
out=$(sbctl confirm --state-dir "$STATE" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "confirm after the rollback"
sb_assert_contains "$out" "generation 1 was already rolled back: not confirmed in time" "confirm after the rollback"

# Confirmed in time: it stays, and the watcher goes away.
sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" --confirm 30 >/dev/null 2>&1 || sb_fail "apply --confirm 30 failed"
stateA=$(box_state "$r")
sb_assert_eq pending "$(status_of "j['state']")" "state while waiting for confirm"
[[ $(nft_summary "$r") != "no table" ]] || sb_fail "generation 2 applied nothing"
watcher=$(cat "$STATE/generations/2/watcher.pid")
out=$(sbctl confirm --state-dir "$STATE") || sb_fail "confirm failed: $out"
sb_assert_contains "$out" "confirmed generation 2" "confirm output"
sb_wait_for 5 "the watcher to exit after confirm" bash -c "! kill -0 $watcher"
sb_assert_eq applied "$(status_of "j['state']")" "state after confirm"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after confirm"

# Applying the same profile again changes nothing: no generation, nothing to confirm.
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" --confirm 30 2>&1) || sb_fail "re-apply failed: $out"
sb_assert_contains "$out" "no changes: generation 2 in netns $r stays current" "re-apply output"
sb_assert_contains "$out" "nothing to confirm" "re-apply output"
[[ ! -e $STATE/generations/3 ]] || sb_fail "a re-apply with no changes recorded generation 3"

# A pending generation blocks the next apply; rollback ends it (and its watcher).
write_profile "$SB_TMP/b.toml" "22, 80"
sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" --confirm 30 >/dev/null 2>&1 || sb_fail "third apply failed"
watcher=$(cat "$STATE/generations/3/watcher.pid")
rc=0
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "apply while a generation is pending"
sb_assert_contains "$out" "generation 3 is waiting for 'sbctl confirm'" "apply while pending"
sbctl rollback --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "rollback of the pending generation failed"
sb_wait_for 5 "the watcher to exit after rollback" bash -c "! kill -0 $watcher"
sb_assert_eq 2 "$(status_of "j['generation']")" "generation after rolling back the pending one"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after rolling back the pending one"

# generations lists all three with what happened to each, as text and JSON.
out=$(sbctl generations --state-dir "$STATE") || sb_fail "generations failed: $out"
sb_assert_contains "$out" "rolled-back" "generations text"
sb_assert_contains "$out" "not confirmed in time" "generations text names why 1 was rolled back"
sb_assert_eq "1:rolled-back:not-confirmed 2:applied:None 3:rolled-back:operator current=2" \
  "$(json_get "$(sbctl generations --state-dir "$STATE" --json)" "' '.join('%d:%s:%s' % (g['id'], g['state'], g['reason']) for g in j['generations']) + ' current=%d' % j['current']")" \
  "generations --json"
sb_pass
