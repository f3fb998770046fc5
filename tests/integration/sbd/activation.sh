#!/usr/bin/env bash
# Where the listening socket comes from: systemd socket activation
# (LISTEN_FDS/LISTEN_PID, here through systemd-socket-activate, which needs no
# running systemd), an inherited descriptor (-s FD), and -S PATH sending
# everything to one socket without any table.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root
command -v systemd-socket-activate >/dev/null || sb_skip "systemd-socket-activate not installed"

ns=$(sb_netns act)
receiver_start "$ns" "$SB_TMP/all.sock" ALL
local_client() { sb_in "$ns" python3 "$SBD_DIR/client.py" "$@"; }

# 1. Socket activation. systemd-socket-activate starts sbd at the first
# connection, which waits in the backlog until sbd takes it.
SBD_CTL=$SB_TMP/act.ctl
sb_bg activate sb_in "$ns" systemd-socket-activate -l '[::1]:8080' \
  sbd -S "$SB_TMP/all.sock" -f /nonexistent.conf --control "$SBD_CTL"
sb_wait_for 10 "the activation socket" sb_listening "$ns" 8080
got=$(local_client ::1 8080)
sb_assert_eq "box=ALL peer=::1 local=::1 port=8080" "$got" "first connection (socket activation)"
sb_assert_eq "box=ALL peer=::1 local=::1 port=8080" "$(local_client ::1 8080)" "second connection"
status=$(sbd_ctl status)
sb_assert_eq "[::1]:8080" "$(json_get "$status" "j['listen']")" "listen address from systemd"
sb_assert_eq "--send-all $SB_TMP/all.sock" "$(json_get "$status" "j['table']")" "table"
sb_assert_eq 2 "$(target_counter "$SB_TMP/all.sock" sent)" "sent with -S"
sb_assert_contains "$(sbd_ctl reload)" "no table to reload" "reload with -S"

# 2. An inherited listening socket: -s FD.
SBD_CTL=$SB_TMP/fd.ctl
sb_bg inherit sb_in "$ns" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.bind(("::1", 8081))
s.listen()
os.dup2(s.fileno(), 5)
os.execvp("sbd", ["sbd", "-s", "5", "-S", sys.argv[1], "--control", sys.argv[2]])
' "$SB_TMP/all.sock" "$SBD_CTL"
sb_wait_for 10 "sbd on an inherited socket" sbd_ctl status
sb_assert_eq "box=ALL peer=::1 local=::1 port=8081" "$(local_client ::1 8081)" "inherited socket"
sb_assert_contains "$(sbd_ctl status)" '"listen":"[::1]:8081"' "status"

# 3. Readiness: with NOTIFY_SOCKET set, READY=1 once serving, and
# RELOADING=1 then READY=1 around a reload.
notify=$SB_TMP/notify.sock
sb_bg notify python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", " | "), flush=True)
' "$notify"
sb_wait_path 5 "$notify"
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/all.sock" >"$SB_TMP/t.conf"
SBD_CTL=$SB_TMP/notify.ctl
sb_bg notified sb_in "$ns" env NOTIFY_SOCKET="$notify" sbd -l ::1 -p 8082 -f "$SB_TMP/t.conf" --control "$SBD_CTL"
sb_wait_for 10 "READY=1" grep -q "^READY=1 | STATUS=serving \[::1\]:8082 with $SB_TMP/t.conf" "$SB_TMP/notify.log"
sb_assert_eq '{"ok":true,"generation":2}' "$(sbd_ctl reload)" "reload"
sb_wait_for 10 "READY=1 after the reload" bash -c "[[ \$(grep -c '^READY=1' $SB_TMP/notify.log) -ge 2 ]]"
sb_assert_eq "READY=1 RELOADING=1 READY=1" "$(grep -oE '^(READY|RELOADING)=1' "$SB_TMP/notify.log" | paste -sd' ')" "notifications"

# 4. -s with something that is not a listening socket: one line, exit 1.
rc=0
out=$(sbd -s 0 -S "$SB_TMP/all.sock" </dev/null 2>&1) || rc=$?
sb_assert_eq 1 "$rc" "exit code for -s 0 on /dev/null"
sb_assert_eq "sbd: listen fd 0 is not a socket: Socket operation on non-socket" "$out" "message"
sb_pass
