#!/usr/bin/env bash
# Restart under socket activation: the listening socket (transparent, TPROXY
# target) belongs to the service manager (here activate.py), so connections
# that arrive while sbd is down - stopped with SIGTERM, or killed with
# SIGKILL - wait in its queue and are all served by the next sbd. Clients
# run throughout; not one fails.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$SB_TMP/t.conf"
SBD_CTL=$SB_TMP/sbd.ctl
touch "$SB_TMP/go"
sb_bg activate sb_in "$SB_NS_ROUTER" python3 "$REL_DIR/activate.py" 1 "$SB_TMP/go" \
  sbd -f "$SB_TMP/t.conf" --control "$SBD_CTL"
sb_wait_for 10 "sbd under activate.py" sbd_ctl status
sb_assert_contains "$(head -n 1 "$SB_TMP/activate.log")" listening "activate.py"
sb_assert_eq box=A "$(client fd01:db8:1:40::1 22)" "a connection through the activated socket"

# Clients (60 threads) connect all along, until both restarts are done; each
# waits for its answer.
load_start load --base fd01:db8:1:40::1:0 --count 100 --port 80 --threads 60
queued() { sb_in "$SB_NS_ROUTER" ss -Hltn 'sport = :1' | awk '{print $2}'; }
queue_at_least() { (($(queued) >= $1)); }
queue_below() { (($(queued) < $1)); }
dispatched_at_least() { (($(status_get "j['connections']['dispatched']") >= $1)); }
for how in TERM KILL; do
  # Clients are being served by a running sbd before it goes away.
  sb_wait_for 10 "clients served by the running sbd" \
    dispatched_at_least $(($(status_get "j['connections']['dispatched']") + 200))
  pid=$(status_get "j['pid']")
  before=$(status_get "j['connections']['dispatched']")
  kill -"$how" "$pid"
  sb_wait_for 5 "sbd to exit on SIG$how" bash -c "! kill -0 $pid 2>/dev/null"
  # While sbd is down, connections pile up in the listening socket's queue.
  sb_wait_for 10 "connections to queue while sbd is down" queue_at_least 40
  waiting=$(queued)
  sb_log "SIG$how: $waiting connections wait in the queue; starting sbd again"
  touch "$SB_TMP/go"
  sb_wait_for 10 "the new sbd" bash -c "printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL | grep -qv '\"pid\":$pid,'"
  sb_wait_for 10 "the queue to drain" queue_below 40
  served=$(status_get "j['connections']['dispatched']")
  ((served >= waiting)) || sb_fail "the new sbd dispatched $served connections; $waiting were waiting"
done
load_stop load
out=$LOAD_OUT
sb_log "clients: $out"
sb_assert_eq 0 "$(field "$out" errors)" "client connections lost across two restarts"
sb_assert_eq 0 "$(status_get "j['connections']['failed']")" "failed hand-offs"
sb_assert_eq 2 "$(grep -c '^exited' "$SB_TMP/activate.log")" "sbd exits seen by activate.py"
sb_pass
