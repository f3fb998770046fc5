#!/usr/bin/env bash
# A missing, stale or stuck receiver costs nothing to the others: its
# connections are reset at once and counted by reason, and sbd goes on.
# Unknown destinations are reset promptly rather than left hanging. With
# each event loop: io_uring's failed hand-offs are made again at once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/alive.sock" alive
stale_socket "$SB_TMP/stale.sock"
receiver_start "$srv" "$SB_TMP/stuck.sock" stuck
stuck_pid=$RECEIVER_PID
cat >"$SB_TMP/t.conf" <<T
rule-set:0
ip:fd01:db8:1:40::1 jump-unix:$SB_TMP/alive.sock
ip:fd01:db8:1:40::2 jump-unix:$SB_TMP/missing.sock
ip:fd01:db8:1:40::3 jump-unix:$SB_TMP/stale.sock
ip:fd01:db8:1:40::4 jump-unix:$SB_TMP/stuck.sock
default fail
T
scenario() { # LOOP
  sb_log "--event-loop $1"
  sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf" --event-loop "$1"
  sb_assert_eq "$1" "$(json_get "$(sbd_ctl status)" "j['event_loop']")" "status event_loop"
  rm -f "$SB_TMP"/stuck-client-*.out

  p=fd01:db8:1:40
  expect_box "$p::1" 22 alive
  # (expect_reset gives each client 3 s: a connection left hanging fails.)
  expect_reset "$p::2" 22
  expect_reset "$p::3" 22
  expect_reset "$p::99" 443
  expect_box "$p::1" 80 alive

  # A stuck receiver (stopped): its queue fills, then its connections are
  # reset as "full" while the others are served as before.
  kill -STOP "$stuck_pid"
  sb_on_exit "kill -CONT $stuck_pid"
  local max total clients i status full served resets
  max=$(sb_in "$srv" sysctl -n net.unix.max_dgram_qlen)
  total=$((max + 10))
  clients=()
  for ((i = 0; i < total; i++)); do
    client "$p::4" 443 20 >"$SB_TMP/stuck-client-$i.out" &
    clients+=($!)
  done
  sb_wait_for 20 "the stuck receiver's queue to overflow" \
    bash -c "[[ \$(grep -lx RESET $SB_TMP/stuck-client-*.out | wc -l) -ge 5 ]]"
  expect_box "$p::1" 443 alive

  status=$(sbd_ctl status)
  sb_assert_eq 1 "$(target_counter "$SB_TMP/missing.sock" missing)" "missing.sock missing"
  sb_assert_eq 1 "$(target_counter "$SB_TMP/stale.sock" refused)" "stale.sock refused"
  full=$(target_counter "$SB_TMP/stuck.sock" full)
  ((full >= 5)) || sb_fail "stuck.sock full: expected >= 5, got $full"
  sb_assert_eq 3 "$(target_counter "$SB_TMP/alive.sock" sent)" "alive.sock sent"
  sb_assert_eq 1 "$(json_get "$status" "j['connections']['no_match']")" "no_match"
  sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "cannot hand off to $SB_TMP/missing.sock: No such file or directory; connection reset" "sbd's log"

  # Once the stuck receiver runs again it serves what was queued for it.
  kill -CONT "$stuck_pid"
  wait "${clients[@]}"
  served=$(grep -l "^box=stuck" "$SB_TMP"/stuck-client-*.out | wc -l)
  resets=$(grep -lx RESET "$SB_TMP"/stuck-client-*.out | wc -l)
  sb_assert_eq "$total" "$((served + resets))" "stuck receiver's clients served + reset"
  sb_assert_eq "$resets" "$full" "resets seen by clients vs. counted as full"
  sbd_stop
}

scenario io_uring
scenario epoll
sb_pass
