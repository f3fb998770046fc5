#!/usr/bin/env bash
# Targets that are down: one refusing (nothing listens), one black-holing
# SYNs (the connect timeout fires). Clients see their connection closed
# promptly, every failure is counted, the log says so once per interval,
# and a live relay in the same process keeps serving throughout. Also the
# idle timeout: a connection that moves nothing is closed and counted.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd curl socat python3 nft

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/dead.sock" "fd01:db8:1:40::1:11=$SB_TMP/hole.sock" \
  "fd01:db8:1:40::1:12=$SB_TMP/live.sock" "fd01:db8:1:40::1:13=$SB_TMP/idle.sock"
# SYNs to port 7998 vanish: a connect there hangs until the relay gives up.
sb_in "$srv" nft -f - <<'NFT'
table inet sbwhole {
  chain out {
    type filter hook output priority 0; policy accept;
    tcp dport 7998 drop
  }
}
NFT
rl_peer_bg echo "$srv" echo-server ::1 7001
rl_relay relay "$srv" --connect-timeout 300 --fail-log-interval 3600 \
  --relay "$SB_TMP/dead.sock=tcp:[::1]:7999" --relay "$SB_TMP/hole.sock=tcp:[::1]:7998" \
  --relay "$SB_TMP/live.sock=tcp:[::1]:7001"

# Closed, not left hanging: curl gets an empty reply or a reset, well before
# its own 5 s limit (exit 28).
for i in $(seq 20); do
  rc=0
  pl_curl -o /dev/null "http://[fd01:db8:1:40::1:10]/" 2>/dev/null || rc=$?
  [[ $rc -ne 0 && $rc -ne 28 ]] || sb_fail "request $i to the dead target: curl exit $rc"
done
sb_wait_for 10 "20 failures counted" rl_counter_is relay "$SB_TMP/dead.sock" failed_connect 20
sb_assert_eq 20 "$(rl_counter relay "$SB_TMP/dead.sock" accepted)" "accepted"
sb_assert_eq 0 "$(rl_counter relay "$SB_TMP/dead.sock" active)" "still active"
lines=$(grep -c "relay $SB_TMP/dead.sock: cannot connect to tcp:\[::1\]:7999: Connection refused" \
  "$SB_TMP/relay.log" || true)
sb_assert_eq 1 "$lines" "log lines for 20 failures in one interval"

for i in $(seq 3); do
  rc=0
  pl_curl -o /dev/null "http://[fd01:db8:1:40::1:11]/" 2>/dev/null || rc=$?
  [[ $rc -ne 0 && $rc -ne 28 ]] || sb_fail "request $i to the black hole: curl exit $rc"
  out=$(rl_peer "$SB_NS_CLIENT" echo-client fd01:db8:1:40::1:12 80 100000) || sb_fail "live: $out"
done
sb_wait_for 10 "3 timeouts counted" rl_counter_is relay "$SB_TMP/hole.sock" failed_connect 3
grep -q "hole.sock: cannot connect to tcp:\[::1\]:7998: Connection timed out" "$SB_TMP/relay.log" ||
  sb_fail "no timeout line: $(cat "$SB_TMP/relay.log")"
sb_assert_eq 3 "$(rl_counter relay "$SB_TMP/live.sock" connected)" "live relay connections"

rl_relay idle "$srv" "$SB_TMP/idle.sock" 'tcp:[::1]:7001' --idle-timeout 1
out=$(rl_peer "$SB_NS_CLIENT" idle-client fd01:db8:1:40::1:13 80) || sb_fail "idle connection: $out"
sb_assert_contains "$out" "got b''" "the idle client"
sb_wait_for 10 "the idle timeout counted" rl_counter_is idle "$SB_TMP/idle.sock" idle_timeouts 1
sb_assert_eq 0 "$(rl_counter idle "$SB_TMP/idle.sock" active)" "idle relay's active connections"
sb_pass
