#!/usr/bin/env bash
# apply --probe: a change that tests itself. A good profile whose probes
# reach the expected receivers (through sbd's counters) confirms itself; one
# that breaks a probed route is rolled back at once, and the kernel state
# afterwards is the previous generation's. Bad probes are refused up front.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
c=$SB_NS_CLIENT
srv=$(sb_netns srv)
start_receivers "$srv"
p=fd01:db8:1:40
status_of() { json_get "$(sbctl status --state-dir "$STATE" --json)" "$1"; }
ms() { date +%s%3N; }

# Generation 1, and sbd serving it.
write_profile "$SB_TMP/a.toml"
sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "first apply failed"
sbd_start "$r" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
expect_box "$p::1:10" 443 nginx

# Probes that cannot be run are usage errors: nothing is applied.
write_profile "$SB_TMP/b.toml" "22, 80, 443, 8080"
for bad in "$p::1:10:443" "[$p::1:10]:0@$c" "192.0.2.9:80@"; do
  rc=0
  out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" --probe "$bad" 2>&1) || rc=$?
  sb_assert_eq 2 "$rc" "apply --probe '$bad'"
  sb_assert_contains "$out" "--probe '$bad': " "apply --probe '$bad'"
done
rc=0
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" --probe "[$p::1:12]:443@$c" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "apply --probe to a destination without a route"
sb_assert_contains "$out" "--probe [$p::1:12]:443@$c: the profile gives it no target (no route matches it)" "no-target probe"
rc=0
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" --probe "[$p::1:10]:443@nosuchns$SB_ID" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "apply --probe from a namespace that does not exist"
sb_assert_contains "$out" "network namespace 'nosuchns$SB_ID' does not exist" "missing namespace"
sb_assert_eq 1 "$(ls "$STATE/generations")" "refused probes record no generation"

# (a) A good profile with probes confirms itself, well under --confirm's 30 s.
nginx0=$(target_counter "$SB_TMP/vm7/sb-00443" sent)
t0=$(ms)
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" --confirm 30 \
  --probe "[$p::1:10]:443@$c" --probe "192.0.2.9:80@$c" 2>&1) || sb_fail "apply --probe (good) failed: $out"
t1=$(ms)
sb_log "good profile: apply --probe returned confirmed after $((t1 - t0)) ms"
sb_assert_contains "$out" "probing 2 destinations" "apply --probe output"
sb_assert_contains "$out" "confirmed generation 2: probes passed ([$p::1:10]:443@$c, 192.0.2.9:80@$c)" "apply --probe output"
((t1 - t0 < 10000)) || sb_fail "confirmed by probes only after $((t1 - t0)) ms"
sb_assert_eq "2 applied passed" "$(status_of "'%s %s %s' % (j['generation'], j['state'], j['probe']['result'])")" "status after good probes"
sb_assert_contains "$(sbctl status --state-dir "$STATE")" "confirmed by the probes" "status text"
sb_assert_contains "$(cat "$STATE/generations/2/meta")" "note=confirmed: probes passed" "generation 2 meta"
sb_assert_eq $((nginx0 + 1)) "$(target_counter "$SB_TMP/vm7/sb-00443" sent)" "nginx's sent counter"
stateB=$(box_state "$r")
out=$(sbctl confirm --state-dir "$STATE") || sb_fail "confirm after probes: $out"
sb_assert_contains "$out" "nothing to confirm" "confirm after probes"

# (b) A profile that drops the probed port's steer: the probe is refused by
# the kernel, and the generation is rolled back at once.
write_profile "$SB_TMP/c.toml" "22, 80"
rc=0
t0=$(ms)
out=$(sbctl apply "$SB_TMP/c.toml" --netns "$r" --state-dir "$STATE" --confirm 30 --probe "[$p::1:10]:443@$c" 2>&1) || rc=$?
t1=$(ms)
sb_assert_eq 2 "$rc" "apply --probe (broken steer) exit code ($out)"
# What the user sees right when apply returns: already rolled back.
sb_assert_eq "2 rolled-back failed" "$(status_of "'%s %s %s' % (j['generation'], j['probe']['state'], j['probe']['result'])")" "status after the failed probe"
took=$(sed -n 's/.*generation 3 rolled back at once (\([0-9]*\) ms after the probes started).*/\1/p' "$STATE/generations/3/watcher.log")
sb_log "broken steer: rolled back ${took} ms after the watcher started probing; apply returned after $((t1 - t0)) ms"
[[ -n $took ]] && ((took < 1000)) || sb_fail "rolled back after '${took}' ms: $(cat "$STATE/generations/3/watcher.log")"
sb_assert_contains "$out" "generation 3 rolled back at once: probe [$p::1:10]:443@$c: connection refused" "apply output"
sb_assert_contains "$out" "rollback verified" "apply output"
sb_assert_eq "$stateB" "$(box_state "$r")" "kernel state and table after the probe's rollback"
sb_assert_contains "$(status_of "j['probe']['rollback_check']")" "verified" "status rollback check"
sb_assert_contains "$(cat "$STATE/generations/3/meta")" "reason=probe-failed" "generation 3 meta"
sb_assert_contains "$(sbctl metrics --state-dir "$STATE" --netns "$r" 2>/dev/null)" \
  "socketbox_sbctl_probe_failed_rollbacks 1" "sbctl metrics after the probe's rollback"
sb_assert_contains "$(sbctl status --state-dir "$STATE")" "failed: probe [$p::1:10]:443@$c: connection refused; rolled-back" "status text"
rc=0
out=$(sbctl confirm --state-dir "$STATE" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "confirm after the probe's rollback"
sb_assert_contains "$out" "generation 3 was already rolled back: rolled back at once: probe" "confirm after the probe's rollback"
expect_box "$p::1:10" 443 nginx

# (c) A route pointed at a socket without a receiver: sbd takes the
# connection but cannot hand it on. --probe without --confirm implies it.
sed "s|$SB_TMP/vm7/sb-00443|$SB_TMP/vm7/nobody|" "$SB_TMP/b.toml" >"$SB_TMP/d.toml"
rc=0
out=$(sbctl apply "$SB_TMP/d.toml" --netns "$r" --state-dir "$STATE" --probe "[$p::1:10]:443@$c" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "apply --probe (no receiver) exit code ($out)"
sb_assert_contains "$out" "probe [$p::1:10]:443@$c: reached sbd but the hand-off to $SB_TMP/vm7/nobody failed: no receiver listening there" "apply output"
took=$(sed -n 's/.*generation 4 rolled back at once (\([0-9]*\) ms after the probes started).*/\1/p' "$STATE/generations/4/watcher.log")
sb_log "no receiver: rolled back ${took} ms after the watcher started probing"
[[ -n $took ]] && ((took < 1000)) || sb_fail "rolled back after '${took}' ms"
sb_assert_eq "$stateB" "$(box_state "$r")" "kernel state and table after the second probe rollback"
sb_assert_eq "2:applied:None 3:rolled-back:probe-failed 4:rolled-back:probe-failed" \
  "$(json_get "$(sbctl generations --state-dir "$STATE" --json)" "' '.join('%d:%s:%s' % (g['id'], g['state'], g['reason']) for g in j['generations'][1:])")" \
  "generations --json"
expect_box "$p::1:10" 443 nginx

# --json: the watcher's verdict is part of apply's answer.
write_profile "$SB_TMP/e.toml" "22, 80, 443, 8081"
out=$(sbctl apply "$SB_TMP/e.toml" --netns "$r" --state-dir "$STATE" --json --probe "[$p::1:11]:443@$c" 2>/dev/null) ||
  sb_fail "apply --json --probe failed: $out"
sb_assert_eq "5 applied passed 30" "$(json_get "$out" "'%s %s %s %s' % (j['generation'], j['probe']['state'], j['probe']['result'], j['confirm_seconds'])")" "apply --json --probe"
stateE=$(box_state "$r")

# A rollback that does not take is said loudly: the watcher's restore of the
# kernel fails (a fault injected at its netcfg apply, the second one of this
# process tree), and apply (exit 3), status (exit 1) and the log say so.
write_profile "$SB_TMP/f.toml" "22, 80, 8081"
rc=0
out=$(sb-test-sbctl-fault 'after-nft#2' apply "$SB_TMP/f.toml" --netns "$r" --state-dir "$STATE" \
  --probe "[$p::1:10]:443@$c" 2>&1) || rc=$?
sb_assert_eq 3 "$rc" "apply --probe with a failing rollback ($out)"
sb_assert_contains "$out" "generation 6: probe [$p::1:10]:443@$c: connection refused; rolling it back failed" "apply output"
sb_assert_contains "$out" "ROLLBACK INCOMPLETE: differs" "apply output"
sb_assert_contains "$(cat "$STATE/generations/6/watcher.log")" "ERROR: generation 6: rollback incomplete" "watcher log"
rc=0
out=$(sbctl status --state-dir "$STATE" 2>&1) || rc=$?
sb_assert_eq 1 "$rc" "status exit code after an incomplete rollback"
sb_assert_contains "$out" "ROLLBACK INCOMPLETE" "status text"
sbctl rollback --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "rollback after the incomplete one failed"
sb_assert_eq "$stateE" "$(box_state "$r")" "state after the operator's rollback"
sb_pass
