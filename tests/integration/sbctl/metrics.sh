#!/usr/bin/env bash
# sbctl metrics: sbd's counters and sbctl's own as Prometheus text, printed
# once or served at http://ADDR:PORT/metrics (404 elsewhere), each scrape
# fresh. promtool accepts every scrape; the counters move by exactly the
# connections dispatched; sbd gone is socketbox_sbd_up 0, not an error.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root
command -v promtool >/dev/null || sb_skip "promtool is not installed (Debian package prometheus; scripts/install-deps)"
command -v curl >/dev/null || sb_skip "curl is not installed"

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/a.sock" A
table=$SB_TMP/t.conf
printf 'rule-set:0\nport:80 jump-unix:%s\nport:22 jump-unix:%s\ndefault fail\n' \
  "$SB_TMP/a.sock" "$SB_TMP/missing.sock" >"$table"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"

# The exporter runs in the router's namespace (a test-made one: any port is
# free there), reachable on its loopback only.
port=9731
url=http://127.0.0.1:$port
sb_bg metrics sb_in "$SB_NS_ROUTER" sbctl metrics --listen "127.0.0.1:$port" \
  --control "$SB_TMP/sbd.ctl" --state-dir "$STATE"
sb_wait_for 10 "sbctl metrics to serve $url/metrics" sb_in "$SB_NS_ROUTER" curl -sf "$url/metrics"
sb_assert_contains "$(cat "$SB_TMP/metrics.log")" "sbctl metrics: serving http://127.0.0.1:$port/metrics" "the exporter's log"

# scrape FILE: one scrape, checked by promtool (format and lint).
scrape() {
  sb_in "$SB_NS_ROUTER" curl -sS -f -D "$1.headers" -o "$1" "$url/metrics" || sb_fail "scrape failed"
  local out
  out=$(promtool check metrics <"$1" 2>&1) || sb_fail "promtool rejects the scrape: $out"
  [[ $(tail -1 "$1") == "# EOF" ]] || sb_fail "the scrape does not end in # EOF: $(tail -3 "$1")"
}
# value FILE SERIES: the sample of SERIES (name and labels, as written).
value() { awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "absent" }' "$1"; }

scrape "$SB_TMP/m0"
sb_assert_contains "$(tr -d '\r' <"$SB_TMP/m0.headers")" "Content-Type: text/plain; version=0.0.4; charset=utf-8" "the scrape's headers"
sb_assert_eq 1 "$(value "$SB_TMP/m0" socketbox_sbd_up)" "socketbox_sbd_up"
sb_assert_eq 1 "$(value "$SB_TMP/m0" socketbox_sbd_table_generation)" "sbd's table generation"
start=$(value "$SB_TMP/m0" socketbox_sbd_start_time_seconds)
now=$(date +%s)
((start > now - 600 && start <= now)) || sb_fail "socketbox_sbd_start_time_seconds $start is not just before $now"
sb_assert_eq 0 "$(value "$SB_TMP/m0" socketbox_sbctl_generation)" "no sbctl generation"

# Real connections: 5 handed off, 2 to a missing receiver, 1 matching nothing.
for _ in 1 2 3 4 5; do expect_box fd01:db8:1:40::1 80 A; done
expect_reset fd01:db8:1:40::1 22
expect_reset fd01:db8:1:40::1 22
expect_reset fd01:db8:1:40::1 443
scrape "$SB_TMP/m1"
delta() { echo $(($(value "$SB_TMP/m1" "$1") - $(value "$SB_TMP/m0" "$1"))); }
sb_assert_eq 8 "$(delta socketbox_sbd_connections_accepted_total)" "accepted"
sb_assert_eq 5 "$(delta socketbox_sbd_connections_dispatched_total)" "dispatched"
sb_assert_eq 2 "$(delta socketbox_sbd_connections_failed_total)" "failed"
sb_assert_eq 1 "$(delta socketbox_sbd_connections_no_match_total)" "no match"
sb_assert_eq 5 "$(delta "socketbox_sbd_target_sent_total{target=\"$SB_TMP/a.sock\"}")" "sent to a.sock"
sb_assert_eq 2 "$(delta "socketbox_sbd_target_failed_total{target=\"$SB_TMP/missing.sock\",reason=\"missing\"}")" "missing.sock failed (missing)"
sb_assert_eq 0 "$(delta "socketbox_sbd_target_failed_total{target=\"$SB_TMP/missing.sock\",reason=\"full\"}")" "missing.sock failed (full)"

# Reloads, good and bad.
sbctl reload --control "$SB_TMP/sbd.ctl" >/dev/null || sb_fail "reload of a good table failed"
printf 'rule-set:0\nnot a rule\n' >"$table.bad"
cp "$table" "$table.good"
mv "$table.bad" "$table"
! sbctl reload --control "$SB_TMP/sbd.ctl" >/dev/null 2>&1 || sb_fail "reload of a bad table succeeded"
mv "$table.good" "$table"
scrape "$SB_TMP/m2"
sb_assert_eq 1 "$(value "$SB_TMP/m2" 'socketbox_sbd_reloads_total{result="ok"}')" "good reloads"
sb_assert_eq 1 "$(value "$SB_TMP/m2" 'socketbox_sbd_reloads_total{result="failed"}')" "bad reloads"
sb_assert_eq 2 "$(value "$SB_TMP/m2" socketbox_sbd_table_generation)" "sbd's table generation after the reloads"

# Only /metrics is served.
code=$(sb_in "$SB_NS_ROUTER" curl -s -o /dev/null -w '%{http_code}' "$url/")
sb_assert_eq 404 "$code" "GET /"
code=$(sb_in "$SB_NS_ROUTER" curl -s -o /dev/null -w '%{http_code}' "$url/metrics/x")
sb_assert_eq 404 "$code" "GET /metrics/x"

# Once, on stdout: the same families.
rc=0
sbctl metrics --control "$SB_TMP/sbd.ctl" --state-dir "$STATE" >"$SB_TMP/once" 2>"$SB_TMP/once.err" || rc=$?
sb_assert_eq 0 "$rc" "sbctl metrics' exit status"
out=$(promtool check metrics <"$SB_TMP/once" 2>&1) || sb_fail "promtool rejects sbctl metrics: $out"
sb_assert_eq 5 "$(value "$SB_TMP/once" "socketbox_sbd_target_sent_total{target=\"$SB_TMP/a.sock\"}")" "once: sent to a.sock"

# sbd gone: still served, socketbox_sbd_up 0, sbctl's own metrics.
sbd_stop
scrape "$SB_TMP/m3"
sb_assert_eq 0 "$(value "$SB_TMP/m3" socketbox_sbd_up)" "socketbox_sbd_up without sbd"
sb_assert_eq absent "$(value "$SB_TMP/m3" socketbox_sbd_connections_accepted_total)" "sbd's counters without sbd"
sb_assert_eq 0 "$(value "$SB_TMP/m3" socketbox_sbctl_generation)" "sbctl's generation without sbd"
rc=0
sbctl metrics --control "$SB_TMP/sbd.ctl" --state-dir "$STATE" >"$SB_TMP/once" 2>"$SB_TMP/once.err" || rc=$?
sb_assert_eq 0 "$rc" "sbctl metrics' exit status without sbd"
sb_assert_eq 1 "$(wc -l <"$SB_TMP/once.err")" "warning lines without sbd ($(cat "$SB_TMP/once.err"))"
sb_assert_contains "$(cat "$SB_TMP/once.err")" "sbctl: warning: sbd: sbd control socket $SB_TMP/sbd.ctl:" "the warning"
sb_assert_eq 0 "$(value "$SB_TMP/once" socketbox_sbd_up)" "once: socketbox_sbd_up without sbd"

# What sbctl knows: an applied generation, in step, then drifted.
r=$(sb_netns sbm)
write_profile "$SB_TMP/a.toml"
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply failed: $out"
sbctl metrics --state-dir "$STATE" --control "$SB_TMP/none.ctl" >"$SB_TMP/g1" 2>/dev/null || sb_fail "sbctl metrics failed after apply"
promtool check metrics <"$SB_TMP/g1" >/dev/null 2>&1 || sb_fail "promtool rejects: $(promtool check metrics <"$SB_TMP/g1" 2>&1)"
sb_assert_eq 1 "$(value "$SB_TMP/g1" socketbox_sbctl_generation)" "sbctl generation"
sb_assert_eq 1 "$(value "$SB_TMP/g1" 'socketbox_sbctl_last_generation_state{state="applied"}')" "last generation applied"
sb_assert_eq 1 "$(value "$SB_TMP/g1" socketbox_sbctl_kernel_checked)" "kernel checked"
sb_assert_eq 0 "$(value "$SB_TMP/g1" socketbox_sbctl_drift)" "no drift"
ip netns exec "$r" nft delete table inet socketbox
sbctl metrics --state-dir "$STATE" --control "$SB_TMP/none.ctl" >"$SB_TMP/g2" 2>/dev/null || sb_fail "sbctl metrics failed after drift"
sb_assert_eq 1 "$(value "$SB_TMP/g2" socketbox_sbctl_drift)" "drift after deleting the table"

# Every metric the Grafana dashboard queries is one sbctl metrics gives.
dashboard=$SB_SOURCE_DIR/dist/grafana/socketbox-dashboard.json
python3 -m json.tool "$dashboard" >/dev/null || sb_fail "the dashboard is not valid JSON"
for name in $(grep -o 'socketbox_s[a-z_]*' "$dashboard" | sort -u); do
  grep -q "^# TYPE $name " "$SB_TMP/m2" "$SB_TMP/g1" || sb_fail "the dashboard queries $name, which no scrape has"
done
sb_pass
