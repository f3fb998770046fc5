#!/usr/bin/env bash
# 1,000 relayed connections open at once through one sb-relay: each echoes,
# other clients are served meanwhile, and once they close the relay's
# descriptors are back to where they started (once the relay's pool of empty
# pipes has been idle for a second). Over --max-connections a
# connection is closed at once and counted, and the limit frees up again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd python3 socat

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/many.sock" "fd01:db8:1:40::1:11=$SB_TMP/other.sock" \
  "fd01:db8:1:40::1:12=$SB_TMP/small.sock"
rl_peer_bg echo "$srv" echo-server ::1 7001
rl_relay relay "$srv" "$SB_TMP/many.sock" 'tcp:[::1]:7001' --relay "$SB_TMP/other.sock=tcp:[::1]:7001"
fds_before=$(rl_fds "$RL_PID")

sb_bg holders rl_peer "$SB_NS_CLIENT" hold-clients fd01:db8:1:40::1:10 80 1000 "$SB_TMP/ready" "$SB_TMP/done"
sb_wait_for 120 "1000 connections to echo" test -e "$SB_TMP/ready"
sb_assert_eq 1000 "$(rl_counter relay "$SB_TMP/many.sock" active)" "active relays"
fds_held=$(rl_fds "$RL_PID")
sb_log "relay descriptors: $fds_before idle, $fds_held with 1000 connections"

# Meanwhile others get through, on the same relay and on another.
for path in 10 11; do
  out=$(rl_peer "$SB_NS_CLIENT" echo-client "fd01:db8:1:40::1:$path" 80 200000) || sb_fail "$out"
done

touch "$SB_TMP/done"
sb_wait_for 60 "the holders to close" grep -q closed "$SB_TMP/holders.log"
sb_wait_for 60 "every relay to end" rl_counter_is relay "$SB_TMP/many.sock" active 0
# Pooled empty pipes are closed after a second without new connections.
sb_wait_for 10 "the descriptors back to $fds_before" rl_fds_are "$RL_PID" "$fds_before"
sb_assert_eq 1001 "$(rl_counter relay "$SB_TMP/many.sock" connected)" "connections relayed"
sb_assert_eq 0 "$(rl_counter relay "$SB_TMP/many.sock" refused_over_limit)" "refused"

# A relay allowing 3: the 4th is closed at once.
rl_relay small "$srv" "$SB_TMP/small.sock" 'tcp:[::1]:7001' --max-connections 3
sb_bg few rl_peer "$SB_NS_CLIENT" hold-clients fd01:db8:1:40::1:12 80 3 "$SB_TMP/ready3" "$SB_TMP/done3"
sb_wait_for 60 "3 connections to echo" test -e "$SB_TMP/ready3"
rc=0
out=$(sb_in "$SB_NS_CLIENT" timeout 10 socat -T 5 - "TCP6:[fd01:db8:1:40::1:12]:80" <<<"x" 2>&1) || rc=$?
[[ $rc -ne 124 && -z $out ]] || sb_fail "the connection over the limit was not closed at once (rc $rc, '$out')"
sb_wait_for 10 "the refusal counted" rl_counter_is small "$SB_TMP/small.sock" refused_over_limit 1
touch "$SB_TMP/done3"
sb_wait_for 30 "the 3 to end" rl_counter_is small "$SB_TMP/small.sock" active 0
out=$(rl_peer "$SB_NS_CLIENT" echo-client fd01:db8:1:40::1:12 80 1000) || sb_fail "after the limit: $out"
sb_pass
