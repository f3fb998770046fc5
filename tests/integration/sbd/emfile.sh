#!/usr/bin/env bash
# Out of descriptors (EMFILE): sbd backs off instead of spinning or exiting,
# on the listening socket and on the control socket, and serves what waited
# once descriptors are available again. The limit is lowered on the running
# sbd (prlimit) so that no descriptor number is free, then raised again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/a.sock" A
echo "rule-set:0
default jump-unix:$SB_TMP/a.sock" >"$SB_TMP/t.conf"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf"
pid=$(json_get "$(sbd_ctl status)" "j['pid']")
expect_box fd01:db8:1:40::1 22 A

# The lowest limit with every number below it in use (descriptors inherited
# from the test harness may leave gaps or sit far above).
limit=3
while (($(ls "/proc/$pid/fd" | awk -v l=$limit '$1 < l' | wc -l) != limit)); do limit=$((limit + 1)); done
prlimit --pid "$pid" --nofile="$limit:1024"
sb_on_exit "prlimit --pid $pid --nofile=1024:1024"

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
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
backoffs=$(json_get "$(cat "$SB_TMP/ctl.out")" "j['connections']['accept_backoffs']")
((backoffs >= 1)) || sb_fail "accept_backoffs: $backoffs"
expect_box fd01:db8:1:40::2 80 A
sbd_stop
sb_pass
