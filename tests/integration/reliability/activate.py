#!/usr/bin/env python3
"""activate.py PORT GOFILE CMD...: a stand-in for systemd's socket activation
with a transparent socket (systemd-socket-activate cannot set
IPV6_TRANSPARENT; sbd.socket does it with Transparent=yes). Holds a listening
socket on [::ffff:127.0.0.1]:PORT with IPV6_TRANSPARENT for its whole life,
and each time GOFILE appears (it is removed) starts CMD with the socket as
fd 3, LISTEN_FDS=1 and LISTEN_PID, then waits for CMD to exit, like a
service with Restart= that an operator starts again."""
import os
import socket
import sys
import time

IPV6_TRANSPARENT = 75
port, go, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
s.bind(("::ffff:127.0.0.1", port))
s.listen(4096)
print("listening", flush=True)
while True:
    while not os.path.exists(go):
        time.sleep(0.02)
    os.unlink(go)
    pid = os.fork()
    if pid == 0:
        if s.fileno() != 3:
            os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.execvp(cmd[0], cmd)
    print(f"started {pid}", flush=True)
    _, status = os.waitpid(pid, 0)
    print(f"exited {pid} status {status}", flush=True)
