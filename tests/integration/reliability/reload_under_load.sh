#!/usr/bin/env bash
# Reloads while connections stream in: SIGHUP and control-socket reloads
# alternate between two good tables and a broken one. Not one connection
# fails (both good tables accept everything the clients send); a broken table
# keeps the one in service; every good reload takes effect.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
fast_receiver_start "$srv" "$SB_TMP/b.sock" B
table=$SB_TMP/t.conf
# put NAME: replaces the table file atomically (sbd never reads half a file).
put() { cp "$SB_TMP/$1.conf" "$table.new" && mv "$table.new" "$table"; }
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$SB_TMP/toA.conf"
printf 'rule-set:0\nport:80 jump-unix:%s\ndefault jump-unix:%s\n' "$SB_TMP/b.sock" "$SB_TMP/a.sock" >"$SB_TMP/toB.conf"
printf 'rule-set:0\nport:80 jump-map:9\n' >"$SB_TMP/broken.conf"
put toA
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"
pid=$(status_get "j['pid']")
generation() { status_get "j['generation']"; }

load_start load --base fd01:db8:1:40::1:0 --count 100 --port 80 --threads 4
sb_wait_for 10 "connections to flow" bash -c "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL) != *'\"dispatched\":0,'* ]]"

good=0
for cycle in $(seq 10); do
  gen=$(generation)
  put toB
  kill -HUP "$pid"
  sb_wait_for 5 "SIGHUP reload $cycle" bash -c "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL) == *'\"generation\":$((gen + 1)),'* ]]"
  put broken
  answer=$(sbd_ctl reload)
  sb_assert_contains "$answer" '"ok":false' "control reload of the broken table"
  # Broken again, by signal: logged, nothing changes. Wait for sbd to have
  # read it before the next table replaces the file, or the signal could
  # load that one instead.
  failed=$(grep -c "reload failed, still serving generation" "$SB_TMP/sbd.log" || true)
  kill -HUP "$pid"
  sb_wait_for 5 "SIGHUP reload of the broken table $cycle" bash -c \
    "(( \$(grep -c 'reload failed, still serving generation' '$SB_TMP/sbd.log') > $failed ))"
  put toA
  answer=$(sbd_ctl reload)
  sb_assert_eq "{\"ok\":true,\"generation\":$((gen + 2))}" "$answer" "control reload $cycle"
  good=$((good + 2))
done
load_stop load
out=$LOAD_OUT
sb_log "$good good reloads, $cycle cycles with a broken table; clients: $out"
sb_assert_eq 20 "$good" "good reloads during the load"
sb_assert_eq 0 "$(field "$out" errors)" "client connections that failed during reloads"
status=$(sbd_ctl status)
sb_assert_eq 0 "$(json_get "$status" "j['connections']['failed']")" "failed hand-offs"
sb_assert_eq 0 "$(json_get "$status" "j['connections']['no_match']")" "unmatched connections"
sb_assert_eq "$((good + 1))" "$(json_get "$status" "j['generation']")" "generation (broken tables never installed)"
# b.sock left the table with the last reload: its counters were folded into
# the retired total.
((\
  $(target_counter "$SB_TMP/a.sock" sent) > 0 && $(status_get "j['retired']['sent']") > 0)) ||
  sb_fail "both tables should have served connections"
sb_wait_for 5 "the broken reloads in sbd's log" grep -q "reload failed, still serving generation" "$SB_TMP/sbd.log"
sb_pass
