#!/usr/bin/env bash
# Big tables never pause dispatch and never leave memory behind. With
# connections streaming:
# - a reload of a table with 100,000 distinct jump-unix paths keeps the
#   dispatch rate above half the rate before (it is built off the loop);
# - reloads alternating between two such tables and a one-target table keep
#   the status answer and sbd's resident memory bounded (counters of targets
#   that left are folded into `retired`), and status pages the targets;
# - SIGTERM while a 1,000,000-path table is being built ends sbd at once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
table=$SB_TMP/t.conf
put() { cp "$SB_TMP/$1.conf" "$table.new" && mv "$table.new" "$table"; }
# big NAME PREFIX COUNT: port 80 to a.sock, and COUNT other distinct paths.
big() {
  awk -v a="$SB_TMP/a.sock" -v p="$2" -v n="$3" 'BEGIN {
    printf "rule-set:0\nport:80 jump-unix:%s\ndefault jump-map:1\nmap-set:1 match-lip:128\n", a
    for (i = 0; i < n; i++) printf "ip:2001:db8:%x:%x::1 jump-unix:/srv/%s%d.sock\n", int(i / 65536), i % 65536, p, i
  }' >"$SB_TMP/$1.conf"
}
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$SB_TMP/one.conf"
big bigA a 100000
big bigB b 100000
put one
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"
pid=$(status_get "j['pid']")
baseline_rss=$(rss_kb "$pid")

# reload_to NAME: puts table NAME, SIGHUP, waits for sbd to log the reload
# (not by polling status: with 100,000 targets each answer costs the loop
# more than a log line costs the test).
reload_to() {
  local done
  done=$(grep -c "sbd: reloaded: " "$SB_TMP/sbd.log" || true)
  put "$1"
  kill -HUP "$pid"
  sb_wait_for 120 "the reload to $1" bash -c \
    "(( \$(grep -c 'sbd: reloaded: ' '$SB_TMP/sbd.log') > $done ))"
}

load_start load --base fd01:db8:1:40::1:0 --count 100 --port 80 --threads 4
sb_wait_for 20 "connections to flow" bash -c "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL) != *'\"dispatched\":0,'* ]]"

rate_kept_through "reload of 100,000 distinct paths" reload_to bigA
status=$(sbd_ctl status)
sb_assert_eq 100001 "$(json_get "$status" "j['targets_total']")" "targets_total"
sb_assert_eq True "$(json_get "$status" "j['truncated']")" "truncated"
sb_assert_eq 100 "$(json_get "$status" "len(j['targets'])")" "targets listed by status"
sb_assert_eq True "$(json_get "$status" "any(t.get('path') == '$SB_TMP/a.sock' and t['sent'] > 0 for t in j['targets'])")" \
  "the busy target among those listed"
page=$(sbd_ctl "status targets 99990 50")
sb_assert_eq 11 "$(json_get "$page" "len(j['targets'])")" "targets on the last page"
sb_assert_eq False "$(json_get "$page" "j['truncated']")" "truncated, on the last page"
one=$(sbd_ctl "status target /srv/a77.sock")
sb_assert_eq /srv/a77.sock "$(json_get "$one" "j['target']['path']")" "status target PATH"

# Alternate; after each one-target table, status and memory must come back.
# (The worker frees the old table and counters and trims the heap just after
# the swap, so memory is waited for, boundedly.) ASan's allocator keeps
# freed memory in quarantine: there only growth per cycle is checked.
sizes=() rss=()
for cycle in 1 2 3 4; do
  reload_to "$([[ $((cycle % 2)) == 1 ]] && echo bigB || echo bigA)"
  reload_to one
  sizes+=("$(sbd_ctl status | wc -c)")
  if [[ ${SB_SANITIZE:-0} != 1 ]]; then
    sb_wait_for 20 "sbd's memory to come back after cycle $cycle" bash -c \
      "(( \$(awk '/^VmRSS:/ {print \$2}' /proc/$pid/status) <= $baseline_rss + 20480 ))"
  fi
  rss+=("$(rss_kb "$pid")")
done
sb_log "status bytes after each one-target reload: ${sizes[*]}; sbd RSS kB: ${rss[*]} (at start $baseline_rss)"
status=$(sbd_ctl status)
sb_assert_eq 1 "$(json_get "$status" "j['targets_total']")" "targets after the one-target table"
(($(json_get "$status" "j['retired']['targets']") >= 500000)) || sb_fail "retired targets: $(json_get "$status" "j['retired']")"
((sizes[3] <= sizes[0] + 64)) || sb_fail "status grew: ${sizes[*]} bytes"
((rss[3] <= 2 * rss[1] + 51200)) || sb_fail "sbd's memory grew: ${rss[*]} kB"
load_stop load
sb_log "clients: $LOAD_OUT"
sb_assert_eq 0 "$(field "$LOAD_OUT" errors)" "client connections that failed"

# SIGTERM while a huge table is being built: sbd exits at once.
big huge h 1000000
put huge
kill -HUP "$pid"
sb_wait_for 30 "the huge reload to be under way" bash -c \
  "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL) == *'\"reloading\":true'* ]]"
t0=$(now_ms)
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null && (($(now_ms) - t0 < 20000)); do sleep 0.02; done
took=$(($(now_ms) - t0))
sb_log "sbd exited $took ms after SIGTERM during the huge reload"
# (Under ASan, LeakSanitizer's exit scan of the half-built table adds time.)
limit=1000
[[ ${SB_SANITIZE:-0} == 1 ]] && limit=10000
((took < limit)) || sb_fail "sbd took $took ms to exit on SIGTERM during a reload (limit $limit)"
sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "SIGTERM: stopping" "sbd's log"
grep -q "reloaded: .*1000002 targets" "$SB_TMP/sbd.log" && sb_fail "the huge reload finished before SIGTERM"
if grep -qE "ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error" "$SB_TMP/sbd.log"; then
  sb_fail "sanitizer report in sbd's log"
fi
sb_pass
