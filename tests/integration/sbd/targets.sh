#!/usr/bin/env bash
# The other ways to name a receiver: -U path substitution (one rule fans out
# to per-address, per-port sockets) and jump-fd:N (an inherited, connected
# descriptor), and both sharing one table with a plain jump-unix.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/box-00016-00022.sock" sixteen22
receiver_start "$srv" "$SB_TMP/box-00017-00443.sock" seventeen443
cat >"$SB_TMP/t.conf" <<T
rule-set:0
ip:fd01:db8:1:40::/112 jump-unix:$SB_TMP/box-#//7_-#//P_.sock
port:80 jump-fd:7
T

# sbd runs under a small wrapper that gives it fd 7, one end of a datagram
# socketpair whose other end is read by a receiver process ("box=FD").
sb_bg sbd sb_in "$SB_NS_ROUTER" python3 -c '
import os, socket, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
if os.fork() == 0:
    a.close()
    while True:
        msg, fds, flags, _ = socket.recv_fds(b, 16, 4)
        for fd in fds:
            c = socket.socket(fileno=fd)
            c.sendall(("box=FD peer=%s local=%s port=%d\n" % (c.getpeername()[0], *c.getsockname()[:2])).encode())
            c.close()
b.close()
os.dup2(a.fileno(), 7, inheritable=True)
os.execvp("sbd", ["sbd"] + sys.argv[1:])
' -t -p 1 -U -f "$SB_TMP/t.conf" --control "$SB_TMP/sbd.ctl"
SBD_CTL=$SB_TMP/sbd.ctl
sb_wait_for 10 "sbd's control socket" sbd_ctl status

p=fd01:db8:1:40
expect_box "$p::10" 22 sixteen22   # group 7 is 0x10 = 16
expect_box "$p::11" 443 seventeen443
expect_reset "$p::12" 22                 # box-00018-00022.sock does not exist
expect_box "$p:1::1" 80 FD                # outside the /112: jump-fd:7
expect_reset "$p:1::1" 443               # no rule
status=$(sbd_ctl status)
sb_assert_eq 2 "$(target_counter "$SB_TMP/box-#//7_-#//P_.sock" sent)" "sent via the template"
sb_assert_eq 1 "$(target_counter "$SB_TMP/box-#//7_-#//P_.sock" missing)" "missing via the template"
sb_assert_eq 1 "$(json_get "$status" "next(t['sent'] for t in j['targets'] if t.get('fd') == 7)")" "jump-fd:7 sent"
sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "cannot hand off to $SB_TMP/box-00018-00022.sock: No such file" "sbd's log"
sbd_stop
sb_pass
