#!/usr/bin/env bash
# Out of descriptors (EMFILE): sbd backs off instead of spinning or exiting,
# on the listening socket and on the control socket, and serves what waited
# once descriptors are available again; with each event loop. The limit is
# lowered on the running sbd (prlimit) so that no descriptor number is free,
# then raised again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/a.sock" A
echo "rule-set:0
default jump-unix:$SB_TMP/a.sock" >"$SB_TMP/t.conf"

scenario() { # LOOP
  local loop=$1
  sb_log "--event-loop $loop"
  sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf" --event-loop "$loop"
  local pid
  pid=$(json_get "$(sbd_ctl status)" "j['pid']")
  expect_box fd01:db8:1:40::1 22 A

  # The lowest limit with every number below it in use (descriptors inherited
  # from the test harness may leave gaps or sit far above).
  local limit=3
  while (($(ls "/proc/$pid/fd" | awk -v l=$limit '$1 < l' | wc -l) != limit)); do limit=$((limit + 1)); done
  prlimit --pid "$pid" --nofile="$limit:1024"
  sb_on_exit "prlimit --pid $pid --nofile=1024:1024 2>/dev/null || true"

  if [[ $loop == io_uring ]]; then
    # io_uring reads the limit when an accept is armed: each of the 16 armed
    # before the prlimit takes one more connection, and is armed again under
    # the new limit. So at most 16 are taken before the first one waits.
    # (Taken ones are served, or reset: the kernel also refuses to pass a
    # descriptor while more are in flight for the user, root here and in the
    # tests running beside this one, than the sender's limit.)
    local taken=0 got
    while :; do
      got=$(client fd01:db8:1:40::1 22 2)
      [[ $got == "box=A peer=$SB_CLIENT6 "* || $got == RESET ]] || break
      taken=$((taken + 1))
      ((taken <= 16)) || sb_fail "still accepting after 16 accepts were armed again under the lower limit"
    done
    sb_assert_eq TIMEOUT "$got" "a connection once the armed accepts were used"
    sb_log "$taken connections were taken by accepts armed before the prlimit"
  fi

  ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
  local before used waiting ctl
  before=$(ticks)
  client fd01:db8:1:40::1 443 20 >"$SB_TMP/waiting.out" &
  waiting=$!
  sbd_ctl status >"$SB_TMP/ctl.out" &
  ctl=$!
  sb_wait_for 10 "sbd to back off" grep -q "accept: Too many open files; pausing accepts for 100 ms" "$SB_TMP/sbd.log"
  sb_wait_for 10 "the control socket to back off" grep -q "control: accept: Too many open files" "$SB_TMP/sbd.log"
  sleep 1   # a second of backing off; a spinning loop would burn ~100 ticks
  used=$(($(ticks) - before))
  ((used < 30)) || sb_fail "sbd used $used CPU ticks in a second while out of descriptors"
  kill -0 "$pid" || sb_fail "sbd exited"
  sb_assert_eq "" "$(cat "$SB_TMP/waiting.out")" "the waiting client's output so far"

  # Descriptors are back: both waiting clients are served.
  prlimit --pid "$pid" --nofile=1024:1024
  wait "$waiting"
  got=$(cat "$SB_TMP/waiting.out")
  [[ $got == "box=A peer=$SB_CLIENT6 "* ]] || sb_fail "the waiting connection: expected box=A, got '$got'"
  wait "$ctl"
  local backoffs
  backoffs=$(json_get "$(cat "$SB_TMP/ctl.out")" "j['connections']['accept_backoffs']")
  ((backoffs >= 1)) || sb_fail "accept_backoffs: $backoffs"
  expect_box fd01:db8:1:40::2 80 A
  sbd_stop
}

scenario epoll
scenario io_uring
sb_pass
