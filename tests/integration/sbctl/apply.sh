#!/usr/bin/env bash
# One `sbctl apply` makes the seed's split-horizon box work in a namespace:
# the kernel holds exactly the expected nft table and local routes, real
# connections from the client namespace reach receivers in an isolated
# namespace, applying again changes nothing, and status/explain report it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
srv=$(sb_netns srv)
start_receivers "$srv"
write_profile "$SB_TMP/box.toml"

sbctl check "$SB_TMP/box.toml" >"$SB_TMP/check.out" || sb_fail "check failed: $(cat "$SB_TMP/check.out")"

# First apply: sbd is not running yet, which is a warning, not an error.
sbctl apply "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" --state-dir "$STATE" >"$SB_TMP/apply1.out" 2>"$SB_TMP/apply1.err" ||
  sb_fail "apply failed: $(cat "$SB_TMP/apply1.err")"
sb_assert_contains "$(cat "$SB_TMP/apply1.out")" "applied generation 1" "apply output"
sb_assert_contains "$(cat "$SB_TMP/apply1.err")" "warning: sbd is not running" "apply warnings"

expected_nft="ip daddr 192.0.2.0/24 tcp dport 22,443,80 -> tproxy ip 127.0.0.1:1
ip6 daddr fd01:db8:1:40::/64 tcp dport 22,443,80 -> tproxy ip6 ::ffff:127.0.0.1:1"
sb_assert_eq "$expected_nft" "$(nft_summary "$SB_NS_ROUTER")" "nft table inet socketbox"
sb_assert_eq "local 192.0.2.0/24
local fd01:db8:1:40::/64" "$(local_routes "$SB_NS_ROUTER" 91)" "socketbox's local routes (proto 91)"
sb_assert_eq "$(sbctl compile "$SB_TMP/box.toml")" "$(cat "$SB_TMP/sbd.conf")" "table file"

# sbd serves the compiled table; every route reaches its receiver.
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
p=fd01:db8:1:40
expect_box "$p::1:10" 443 nginx
expect_box "$p::1:11" 443 apache
expect_box "$p::1:10" 22 sshd
expect_box "$p:0:64::7" 80 nat64
expect_box "$p:0:64::8" 443 nat64
expect_v4 192.0.2.9 80 v4
expect_reset "$p::1:11" 22        # steered, but no route: closed
expect_reset "$p::1:12" 443
expect_reset 192.0.2.9 443

# Applying again changes nothing, so it records no generation, and writes
# nothing to the kernel: no nft or route event while it runs.
# A marker change before and after the apply shows that both monitors listen
# and have read everything up to it; only the markers may appear. A monitor
# that was not subscribed yet misses a marker, so each try uses a new one.
sb_bg nftmon ip netns exec "$SB_NS_ROUTER" nft monitor
nftmon=$SB_LAST_PID
sb_bg routemon ip -n "$SB_NS_ROUTER" monitor route
routemon=$SB_LAST_PID
marker=0
both_saw() {
  grep -q "sbmark$marker\$" "$SB_TMP/nftmon.log" && grep -q "2001:db8:ffff:$marker::/64" "$SB_TMP/routemon.log"
}
mark() {
  local try poll seen
  for ((try = 0; try < 50; try++)); do
    marker=$((marker + 1))
    sb_in "$SB_NS_ROUTER" nft add table inet "sbmark$marker"
    sb_in "$SB_NS_ROUTER" ip -6 route add unreachable "2001:db8:ffff:$marker::/64" proto 92
    seen=0
    for ((poll = 0; poll < 40 && !seen; poll++)); do
      both_saw && seen=1 || sleep 0.05
    done
    sb_in "$SB_NS_ROUTER" nft delete table inet "sbmark$marker"
    sb_in "$SB_NS_ROUTER" ip -6 route del unreachable "2001:db8:ffff:$marker::/64" proto 92
    ((seen)) && return 0
  done
  sb_fail "nft monitor and ip monitor saw none of $marker marker changes"
}
mark
sbctl apply "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" --state-dir "$STATE" >"$SB_TMP/apply2.out" 2>&1 ||
  sb_fail "second apply failed: $(cat "$SB_TMP/apply2.out")"
mark
kill "$nftmon" "$routemon"
sb_assert_eq "" "$(cat "$SB_TMP/nftmon.log" "$SB_TMP/routemon.log" | grep -v 'sbmark\|2001:db8:ffff:\|by process [0-9]* (nft)$' || true)" \
  "kernel events during a re-apply with no changes (the markers' own left out)"
sb_assert_contains "$(cat "$SB_TMP/apply2.out")" "no changes: generation 1 in netns $SB_NS_ROUTER stays current (kernel 0 changes, table $SB_TMP/sbd.conf unchanged)" "second apply"
sb_assert_eq 1 "$(ls "$STATE/generations")" "a re-apply with no changes records no generation"
sb_assert_eq "$expected_nft" "$(nft_summary "$SB_NS_ROUTER")" "nft table after the second apply"
rc=0
sbctl diff "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" >"$SB_TMP/diff.out" || rc=$?
sb_assert_eq 0 "$rc" "diff exit code after apply ($(cat "$SB_TMP/diff.out"))"
expect_box "$p::1:10" 443 nginx

# status: the generation, no drift, sbd's counters.
status=$(sbctl status --state-dir "$STATE" --json)
sb_assert_eq 1 "$(json_get "$status" "j['generation']")" "status generation"
sb_assert_eq True "$(json_get "$status" "j['kernel']['in_step']")" "status kernel in step"
sb_assert_eq in-step "$(json_get "$status" "j['table']['state']")" "status table"
sb_assert_eq 7 "$(json_get "$status" "j['sbd']['connections']['dispatched']")" "sbd dispatched"
sb_assert_eq 3 "$(json_get "$status" "j['sbd']['connections']['no_match']")" "sbd no_match"
sb_assert_eq 2 "$(json_get "$status" "next(t['sent'] for t in j['sbd']['targets'] if t.get('path')=='$SB_TMP/vm7/sb-00443')")" "nginx sent"
text=$(sbctl status --state-dir "$STATE")
sb_assert_contains "$text" "in step with generation 1" "status text"
sb_assert_contains "$text" "dispatched 7" "status text"

# explain: the route by profile line and name, the trace, the kernel's view.
out=$(sbctl explain "$SB_TMP/box.toml" "$p::1:11" 443 --netns "$SB_NS_ROUTER")
sb_assert_contains "$out" "route    2 'vm7 apache' at $SB_TMP/box.toml:16 -> unix:$SB_TMP/vm7/apache-00443" "explain"
sb_assert_contains "$out" "map-set:1 entry 2" "explain trace"
sb_assert_contains "$out" "kernel   steered: nft steers fd01:db8:1:40::/64 to sbd" "explain kernel"
out=$(sbctl explain "$SB_TMP/box.toml" 192.0.2.9 22 --netns "$SB_NS_ROUTER")
sb_assert_contains "$out" "none matches" "explain of an unrouted connection"
out=$(sbctl explain "$SB_TMP/box.toml" 192.0.2.9 8080 --netns "$SB_NS_ROUTER")
sb_assert_contains "$out" "NOT steered: nft steers the address but not port 8080" "explain of an unsteered port"
sb_assert_contains "$out" "verdict  the kernel does not steer this to sbd: sbd never sees it" "explain's verdict for an unsteered port"
sb_assert_eq "$(sbctl explain "$SB_TMP/box.toml" "$p::1:11" 443 --netns "$SB_NS_ROUTER")" \
  "$(sbctl explain "$SB_TMP/box.toml" "[$p::1:11]:443" --netns "$SB_NS_ROUTER")" "explain of [ADDR]:PORT"
sb_assert_eq "$(sbctl explain "$SB_TMP/box.toml" 192.0.2.9 22 --netns "$SB_NS_ROUTER")" \
  "$(sbctl explain "$SB_TMP/box.toml" 192.0.2.9:22 --netns "$SB_NS_ROUTER")" "explain of A.B.C.D:PORT"
sb_pass
