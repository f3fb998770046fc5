#!/usr/bin/env bash
# Reloads: SIGHUP with a broken table keeps the old one in service and logs
# why; control `reload` with a good table switches atomically; a control
# client that sends nothing does not wedge sbd.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/a.sock" A
receiver_start "$srv" "$SB_TMP/b.sock" B
table=$SB_TMP/t.conf
echo "rule-set:0
default jump-unix:$SB_TMP/a.sock" >"$table"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"
sbd_pid=$(json_get "$(sbd_ctl status)" "j['pid']")
p=fd01:db8:1:40

expect_box "$p::1" 22 A
sb_assert_eq 1 "$(json_get "$(sbd_ctl status)" "j['generation']")" "generation at start"

# A broken table: SIGHUP logs the error with file:line:col, the old table stays.
echo "rule-set:0
default jump-unix:$SB_TMP/b.sock
port:99999 fail" >"$table"
kill -HUP "$sbd_pid"
sb_wait_for 5 "the reload error in sbd's log" grep -q "reload failed, still serving generation 1: $table:3:1: error:" "$SB_TMP/sbd.log"
expect_box "$p::1" 22 A
sb_assert_eq 1 "$(json_get "$(sbd_ctl status)" "j['generation']")" "generation after a broken reload"

# The same through the control socket: the answer names the error.
answer=$(sbd_ctl reload)
sb_assert_eq False "$(json_get "$answer" "j['ok']")" "reload ok"
sb_assert_contains "$(json_get "$answer" "j['error']")" "$table:3:1: error:" "reload error"

# A client that connects and says nothing must not block anyone else.
# sbd drops it after its 2 s deadline.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
t = time.monotonic()
data = s.recv(100)
print("closed after %.1f s with %r" % (time.monotonic() - t, data))
' "$SB_TMP/sbd.ctl" >"$SB_TMP/silent.out" 2>&1 &
silent=$!

# A good table: control reload switches, counters are kept per path.
echo "rule-set:0
port:22 jump-unix:$SB_TMP/b.sock
default jump-unix:$SB_TMP/a.sock" >"$table"
answer=$(sbd_ctl reload)
sb_assert_eq '{"ok":true,"generation":2}' "$answer" "reload answer"
expect_box "$p::1" 22 B
expect_box "$p::1" 443 A
status=$(sbd_ctl status)
sb_assert_eq 3 "$(target_counter "$SB_TMP/a.sock" sent)" "a.sock sent, across the reload"
sb_assert_eq 1 "$(target_counter "$SB_TMP/b.sock" sent)" "b.sock sent"
sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "reloaded: serving [::ffff:127.0.0.1]:1" "sbd's log"

# SIGHUP with a good table works too.
echo "rule-set:0
default jump-unix:$SB_TMP/b.sock" >"$table"
kill -HUP "$sbd_pid"
sb_wait_for 5 "generation 3" bash -c "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SB_TMP/sbd.ctl) == *'\"generation\":3'* ]]"
expect_box "$p::1" 443 B

wait "$silent"
sb_assert_contains "$(cat "$SB_TMP/silent.out")" "with b''" "the silent control client"
# Unknown commands are answered, not fatal.
sb_assert_contains "$(sbd_ctl frobnicate)" '"ok":false' "unknown command"
sb_assert_contains "$(sbd_ctl frobnicate)" '"kind":"unknown_command"}' "unknown command's kind"
sb_assert_contains "$(sbd_ctl "$(printf 'x%.0s' {1..300})")" '"kind":"command_too_long"}' "over-long command"
kill -0 "$sbd_pid" || sb_fail "sbd exited"
sbd_stop
sb_pass
