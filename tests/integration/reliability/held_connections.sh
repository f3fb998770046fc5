#!/usr/bin/env bash
# 10,000 concurrent connections held open by a slow receiver: sbd keeps no
# descriptor beyond the hand-off (its descriptor count, sampled all along,
# never exceeds its baseline by more than the connections in hand, and
# settles at baseline + 1); the receiver holds all 10,000. In hand with the
# io_uring loop: up to 16 accepted connections whose linked close has not
# run yet (the kernel runs a link's next request as task work, in the wait)
# while the 16 accepts armed again beside them take 16 more at the submit,
# and the one socket linked to the target: 2 x 16 + 1.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root
N=${SB_HELD_CONNECTIONS:-10000}
# The receiver and the clients each hold N descriptors.
ulimit -n $((N + 1000)) 2>/dev/null || sb_skip "cannot raise the descriptor limit to $((N + 1000))"

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
sb_in "$SB_NS_ROUTER" sysctl -qw net.core.somaxconn=4096
fast_receiver_start "$srv" "$SB_TMP/slow.sock" SLOW --hold
recv_pid=$RECEIVER_PID
echo "rule-set:0
default jump-unix:$SB_TMP/slow.sock" >"$SB_TMP/t.conf"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -b 4096 -f "$SB_TMP/t.conf"
pid=$(status_get "j['pid']")
baseline=$(fd_count "$pid")
recv_baseline=$(fd_count "$recv_pid")
sb_log "sbd holds $baseline descriptors at rest"

# The clients hold their end open until $SB_TMP/stop exists.
sb_bg clients sb_in "$SB_NS_CLIENT" python3 "$REL_DIR/hold_clients.py" fd01:db8:1:40::1:0 100 80 "$N" "$SB_TMP/stop"
clients=$SB_LAST_PID
max=0
while ! grep -q "^connected\|^failed" "$SB_TMP/clients.log"; do
  c=$(fd_count "$pid")
  if ((c > max)); then max=$c; fi
  kill -0 "$clients" 2>/dev/null || break
done
grep -q "^connected $N" "$SB_TMP/clients.log" || sb_fail "clients: $(cat "$SB_TMP/clients.log")"
held() { kill -USR1 "$recv_pid"; sleep 0.1; [[ $(tail -n 1 "$SB_TMP/recv-SLOW.log") == "held=$N "* ]]; }
sb_wait_for 30 "the receiver to hold $N connections" held
sb_log "sbd's descriptor count peaked at $max while $N connections went through"
((max <= baseline + 2 * 16 + 1)) || sb_fail "sbd held $max descriptors while dispatching (baseline $baseline)"
# + 1: the socket sbd keeps connected to the table's one target.
sb_assert_eq "$((baseline + 1))" "$(fd_count "$pid")" "sbd's descriptors with $N connections held by the receiver"
recv_now=$(fd_count "$recv_pid")
((recv_now >= recv_baseline + N)) || sb_fail "the receiver holds $recv_now descriptors, expected >= $((recv_baseline + N))"
status=$(sbd_ctl status)
sb_assert_eq "$N" "$(json_get "$status" "j['connections']['dispatched']")" "dispatched"
sb_assert_eq 0 "$(json_get "$status" "j['connections']['failed']")" "failed"

# The clients go away; sbd is unaffected and still serves.
touch "$SB_TMP/stop"
sb_wait_for 20 "the clients to exit" bash -c "! kill -0 $clients 2>/dev/null"
sb_assert_eq "$((baseline + 1))" "$(fd_count "$pid")" "sbd's descriptors after the clients left"
sb_pass
