#!/usr/bin/env bash
# A target that does not read: back-pressure. The client's 64 MB stall in
# kernel buffers (the relay's pipe and the sockets), the relay stops reading
# and its memory stays flat; once the target reads, every byte arrives
# (checksum) and the connection ends cleanly.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd python3 socat

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/slow.sock"
rl_peer_bg slow "$srv" slow-server ::1 7003 "$SB_TMP/gate"
rl_relay relay "$srv" "$SB_TMP/slow.sock" 'tcp:[::1]:7003'
rss_before=$(rl_rss_kb "$RL_PID")

total=$((64 * 1024 * 1024))
sb_bg client rl_peer "$SB_NS_CLIENT" send-client fd01:db8:1:40::1:10 80 "$total"
sb_wait_for 30 "the slow server to accept" grep -q accepted "$SB_TMP/slow.log"

# Wait until the transfer stalls: two samples 0.5 s apart agree.
stalled() {
  local a b
  a=$(rl_counter relay "$SB_TMP/slow.sock" bytes_to_target)
  sleep 0.5
  b=$(rl_counter relay "$SB_TMP/slow.sock" bytes_to_target)
  [[ $a == "$b" && $a -gt 0 ]]
}
sb_wait_for 60 "the transfer to stall" stalled
moved=$(rl_counter relay "$SB_TMP/slow.sock" bytes_to_target)
((moved < total / 4)) || sb_fail "the relay passed $moved of $total bytes to a target that reads nothing"
rss_stalled=$(rl_rss_kb "$RL_PID")
growth=$((rss_stalled - rss_before))
sb_log "stalled after $moved bytes to the target; relay RSS ${rss_before} kB -> ${rss_stalled} kB"
((growth < 8192)) || sb_fail "relay RSS grew by $growth kB while the target did not read"

touch "$SB_TMP/gate"
sb_wait_for 120 "the client to finish" grep -q "sent sha256=" "$SB_TMP/client.log"
want=$(sed -n 's/.*sent sha256=//p' "$SB_TMP/client.log")
sb_wait_for 30 "the server's checksum" grep -q "got $total sha256=$want" "$SB_TMP/slow.log"
sb_wait_for 10 "the connection to end" rl_counter_is relay "$SB_TMP/slow.sock" active 0
sb_assert_eq "$total" "$(rl_counter relay "$SB_TMP/slow.sock" bytes_to_target)" "bytes relayed"
sb_pass
