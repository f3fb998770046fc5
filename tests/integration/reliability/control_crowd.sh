#!/usr/bin/env bash
# Stuck tools do not lock operators out of the control socket: 50 clients
# that connect and send nothing, send half a command, or never read their
# answer, each reconnecting at once when dropped. With connections
# streaming, 10 of 10 `status` requests (the control command and sbctl
# status) and 10 of 10 `sbctl reload` are answered, and dispatch goes on.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
table=$SB_TMP/t.conf
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$table"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"
load_start load --base fd01:db8:1:40::1:0 --count 100 --port 80 --threads 2
sb_wait_for 20 "connections to flow" bash -c "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL) != *'\"dispatched\":0,'* ]]"

d0=$(status_get "j['connections']['dispatched']")
sb_bg crowd python3 "$REL_DIR/crowd_clients.py" "$SBD_CTL" 50 "$SB_TMP/stop"
crowd=$SB_LAST_PID
sb_on_exit touch "$SB_TMP/stop"
# The crowd has taken every slot once sbd starts dropping its idle ones.
sb_wait_for 20 "the crowd to fill the control socket" grep -q "sbd: control: " "$SB_TMP/sbd.log"

ok_status=0 ok_sbctl=0 ok_reload=0
for i in $(seq 10); do
  # A raw client, asking again when closed unanswered as sbctl does (sbd
  # closes the oldest client whose command it has not read to make room).
  for _ in 1 2 3; do a=$(sbd_ctl status) && [[ -n $a ]] && break; done
  [[ $a == '{"listen":'* ]] && ok_status=$((ok_status + 1))
  a=$(sbctl status --state-dir "$SB_TMP/state" --control "$SBD_CTL" --json 2>&1) &&
    [[ $a == *'"pid":'* ]] && ok_sbctl=$((ok_sbctl + 1)) || sb_log "sbctl status: ${a:0:300}"
  a=$(sbctl reload --control "$SBD_CTL" 2>&1) && ok_reload=$((ok_reload + 1)) || sb_log "sbctl reload: $a"
done
touch "$SB_TMP/stop"
sb_wait_for 10 "the crowd to leave" bash -c "! kill -0 $crowd 2>/dev/null"
d1=$(status_get "j['connections']['dispatched']")
sb_log "answered: status $ok_status/10, sbctl status $ok_sbctl/10, sbctl reload $ok_reload/10; dispatched meanwhile: $((d1 - d0))"
sb_assert_eq 10 "$ok_status" "control status requests answered"
sb_assert_eq 10 "$ok_sbctl" "sbctl status answered"
sb_assert_eq 10 "$ok_reload" "sbctl reload answered"
sb_assert_eq 11 "$(status_get "j['generation']")" "generation after 10 reloads"
((d1 > d0)) || sb_fail "no connection dispatched while the crowd was there"
load_stop load
sb_assert_eq 0 "$(field "$LOAD_OUT" errors)" "client connections that failed"
sbd_stop
sb_pass
