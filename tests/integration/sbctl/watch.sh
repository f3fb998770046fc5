#!/usr/bin/env bash
# sbctl watch keeps the applied generation's kernel state in place while a
# client connects nonstop: `nft flush ruleset`, `nft delete table inet
# socketbox` and a flush of socketbox's routes (protocol 91) are each
# restored within one second (the clients' outage is measured and printed);
# a foreign table flushed with the ruleset stays gone and a foreign local
# route is never touched; an apply and a rollback are followed, not taken
# for drift; an object removed again and again is given up on (logged, shown
# by `sbctl status`, exit 1) until the next apply; SIGTERM ends watch cleanly.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
srv=$(sb_netns srv)
mkdir -p "$SB_TMP/vm7"
receiver_start "$srv" "$SB_TMP/vm7/sb-00443" nginx
write_profile "$SB_TMP/a.toml"
write_profile "$SB_TMP/b.toml" "22, 80, 443, 8443"
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply failed: $out"
sbd_start "$r" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
expect_box fd01:db8:1:40::1:10 443 nginx
# A foreign local route (another protocol) that no restore may touch.
ip -n "$r" route add local 198.51.100.0/24 dev lo table local proto 92
# socketbox's steering, every non-kernel local route, the table file.
steering() {
  nft_summary "$r"
  local_routes "$r" | grep -v ' kernel$' || true
  cat "$SB_TMP/sbd.conf"
}
applied=$(steering)
sb_assert_contains "$applied" "local 198.51.100.0/24 92" "the foreign route"

# A foreign table, made before any flush.
sb_in "$r" nft add table inet sbwforeign
sb_in "$r" nft add chain inet sbwforeign input '{ type filter hook input priority 10; }'

WLOG=$SB_TMP/watch.log
# The default limit (5 removals), over a window no slow machine outlasts.
sb_bg watch sbctl watch --state-dir "$STATE" --fight-window 3600
WATCH_PID=$SB_LAST_PID
sb_wait_for 10 "watch to be ready" grep -q "watching generation 1" "$WLOG"

# Clients connect throughout.
sb_bg probe sb_in "$SB_NS_CLIENT" python3 "$SBCTL_DIR/watch_probe.py" fd01:db8:1:40::1:10 443 \
  "$SB_TMP/probe.out" "$SB_TMP/probe.stop"
sb_on_exit "touch $SB_TMP/probe.stop"
restored_count() { grep -c "restored it in" "$WLOG" || true; }
# ok_after T: a good connection began after T.
ok_after() { awk -v t="$1" '$1 > t && $2 == "ok" { found = 1 } END { exit !found }' "$SB_TMP/probe.out"; }
sb_wait_for 10 "the client to connect" ok_after 0

# outage T0: "BACK DOWN" in seconds: from T0 (the breaking command began) to
# the first good connection begun after the first failed one, and from that
# failure to it (0 0 if no attempt failed: the restore beat the client).
outage() {
  awk -v t="$1" '$1 > t && $2 == "fail" && !f { f = $1 }
    f && $2 == "ok" { printf "%.3f %.3f\n", $1 - t, $1 - f; done = 1; exit }
    END { if (!done) print "0 0" }' "$SB_TMP/probe.out"
}

# breaks NAME CMD...: breaks the box, waits for watch's restore and the
# client's next good connection, prints the outage, asserts < 1 s.
breaks() {
  local name=$1 before t0 back down line
  shift
  before=$(restored_count)
  sb_wait_for 10 "a good connection before $name" ok_after "$(date +%s.%N)"
  t0=$(date +%s.%N)
  "$@"
  sb_wait_for 10 "watch to restore after $name" bash -c "(( \$(grep -c 'restored it in' '$WLOG') > $before ))"
  sb_wait_for 10 "a good connection after $name" ok_after "$t0"
  read -r back down < <(outage "$t0")
  line=$(grep "restored it in" "$WLOG" | tail -1)
  sb_log "$name: clients failed for ${down} s (service back ${back} s after the command began); ${line#sbctl watch: }"
  # The outage the clients saw: from the first failed connection (the break
  # took effect) to the first good one after it.
  awk -v g="$down" 'BEGIN { exit !(g < 1.0) }' || sb_fail "$name: clients failed for $down s, not less than 1 s"
  # And as watch measured it: from the first notification to restored.
  seen_ms=$(sed -n 's/.* (\([0-9]*\) ms after the change was seen).*/\1/p' <<<"$line")
  [[ -n $seen_ms ]] || sb_fail "$name: watch's line does not say when it saw the change: $line"
  ((seen_ms < 1000)) || sb_fail "$name: watch restored $seen_ms ms after it saw the change"
  sb_assert_eq "$applied" "$(steering)" "box after $name"
  # One burst is one restore; two commands (the route flush's two families)
  # may be two.
  (($(restored_count) <= before + ${MAX_RESTORES:-1})) ||
    sb_fail "$name: $(($(restored_count) - before)) restores: $(tail -3 "$WLOG")"
}

breaks "nft flush ruleset" sb_in "$r" nft flush ruleset
sb_assert_contains "$(grep 'restored it in' "$WLOG" | tail -1)" "missing: nft table inet socketbox" "watch's line"
sb_in "$r" nft list tables >"$SB_TMP/tables.out"
[[ $(cat "$SB_TMP/tables.out") != *sbwforeign* ]] || sb_fail "watch recreated the foreign table: $(cat "$SB_TMP/tables.out")"

breaks "nft delete table inet socketbox" sb_in "$r" nft delete table inet socketbox
# (socketbox's routes live in table local, which `ip route flush` leaves
# alone unless told; both families.)
flush_routes() { ip -n "$r" -4 route flush table local proto 91 && ip -n "$r" -6 route flush table local proto 91; }
MAX_RESTORES=2 breaks "ip route flush table local proto 91" flush_routes
sb_assert_contains "$(grep 'restored it in' "$WLOG" | tail -1)" "missing: route local" "watch's line"

# apply and rollback are followed: no drift, no restore of the old state.
before=$(restored_count)
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply b failed: $out"
sb_wait_for 10 "watch to follow generation 2" grep -q "following generation 2" "$WLOG"
sb_assert_contains "$(nft_summary "$r")" "443,80,8443" "the new generation's ports"
out=$(sbctl rollback --state-dir "$STATE" 2>&1) || sb_fail "rollback failed: $out"
sb_wait_for 10 "watch to follow generation 1 again" grep -q "following generation 1" "$WLOG"
sb_assert_eq "$applied" "$(steering)" "box after the rollback"
# One that changes only sbd's table (no kernel notification) is followed too.
sed 's#/v4.sock#/v4b.sock#' "$SB_TMP/a.toml" >"$SB_TMP/c.toml"
out=$(sbctl apply "$SB_TMP/c.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply c failed: $out"
sb_wait_for 10 "watch to follow generation 3" grep -q "following generation 3" "$WLOG"
out=$(sbctl rollback --state-dir "$STATE" 2>&1) || sb_fail "second rollback failed: $out"
sb_wait_for 10 "watch to follow generation 1 once more" bash -c "(( \$(grep -c 'following generation 1' '$WLOG') == 2 ))"
sb_assert_eq "$before" "$(restored_count)" "restores during apply and rollback"
[[ $(grep -c "drifted" "$WLOG") == "$before" ]] || sb_fail "watch saw drift during apply/rollback: $(cat "$WLOG")"
expect_box fd01:db8:1:40::1:10 443 nginx

# The fight limit: the 5th removal within the window is not restored.
for i in 1 2 3 4; do
  before=$(restored_count)
  sb_in "$r" nft delete table inet socketbox
  sb_wait_for 10 "restore $i of the fight" bash -c "(( \$(grep -c 'restored it in' '$WLOG') > $before ))"
done
before=$(restored_count)
sb_in "$r" nft delete table inet socketbox
sb_wait_for 10 "watch to give up" grep -q "gave up restoring nft table inet socketbox after 5 removals in 3600 s" "$WLOG"
sb_assert_eq 1 "$(grep -c "gave up restoring" "$WLOG")" "give-up lines"
sb_assert_eq "$before" "$(restored_count)" "restores after giving up"
sb_in "$r" nft list table inet socketbox >/dev/null 2>&1 && sb_fail "watch restored the table after giving up"
rc=0
sbctl status --state-dir "$STATE" >"$SB_TMP/status.out" 2>&1 || rc=$?
sb_assert_eq 1 "$rc" "status exit code after watch gave up ($(cat "$SB_TMP/status.out"))"
sb_assert_contains "$(cat "$SB_TMP/status.out")" "watch: gave up restoring nft table inet socketbox after 5 removals in 3600 s" "status"
# sbctl metrics says the same, and counts watch's restores so far.
sbctl metrics --state-dir "$STATE" --control "$SB_TMP/none.ctl" >"$SB_TMP/metrics.out" 2>/dev/null ||
  sb_fail "sbctl metrics failed after watch gave up"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$SB_TMP/metrics.out"; }
sb_assert_eq 1 "$(metric socketbox_sbctl_watch_gave_up)" "socketbox_sbctl_watch_gave_up"
sb_assert_eq "$(restored_count)" "$(metric socketbox_sbctl_watch_restores_total)" "socketbox_sbctl_watch_restores_total"
sb_assert_eq 1 "$(metric socketbox_sbctl_drift)" "socketbox_sbctl_drift while the table is gone"

# The next apply resets it; watch restores again.
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "re-apply failed: $out"
sb_wait_for 10 "watch to follow generation 4" grep -q "following generation 4" "$WLOG"
rc=0
sbctl status --state-dir "$STATE" >"$SB_TMP/status.out" 2>&1 || rc=$?
sb_assert_eq 0 "$rc" "status after the next apply ($(cat "$SB_TMP/status.out"))"
breaks "nft delete table inet socketbox after the reset" sb_in "$r" nft delete table inet socketbox

touch "$SB_TMP/probe.stop"
kill -TERM "$WATCH_PID"
sb_wait_for 10 "watch to exit on SIGTERM" bash -c "! kill -0 $WATCH_PID 2>/dev/null"
sb_assert_contains "$(tail -1 "$WLOG")" "stopping (signal 15)" "watch's last line"
sb_log "client: $(grep -c ' ok$' "$SB_TMP/probe.out") good and $(grep -c ' fail$' "$SB_TMP/probe.out") failed connections"
sb_pass
