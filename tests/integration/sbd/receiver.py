#!/usr/bin/env python3
"""Test receiver for sbd hand-offs (the original socketbox's protocol).

Binds a SOCK_DGRAM Unix socket at PATH, receives connected sockets over
SCM_RIGHTS and answers each connection with one line naming itself and the
addresses it sees, e.g. "box=A peer=fd00:c::2 local=fd01:db8:1:40::1:10 port=22",
then closes it. With --hold it keeps the sockets open without answering; --mode sets the
socket file's mode (default 0660).
"""
import argparse
import os
import socket
import sys

ap = argparse.ArgumentParser()
ap.add_argument("path")
ap.add_argument("name")
ap.add_argument("--hold", action="store_true")
ap.add_argument("--rcvbuf", type=int, default=0)
ap.add_argument("--mode", type=lambda v: int(v, 8), default=0o660)
args = ap.parse_args()

try:
    os.unlink(args.path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if args.rcvbuf:
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
srv.bind(args.path)
os.chmod(args.path, args.mode)
print(f"receiver {args.name} listening on {args.path}", flush=True)
held = []
while True:
    msg, fds, flags, _ = socket.recv_fds(srv, 16, 4, socket.MSG_CMSG_CLOEXEC)
    for extra in fds[1:]:
        os.close(extra)
    if not fds:
        continue
    conn = socket.socket(fileno=fds[0])
    if conn.type != socket.SOCK_STREAM:
        conn.close()
        continue
    peer = conn.getpeername()[0]
    local, port = conn.getsockname()[:2]
    line = f"box={args.name} peer={peer} local={local} port={port}"
    print(line, flush=True)
    if args.hold:
        held.append(conn)
        continue
    try:
        conn.sendall((line + "\n").encode())
    except OSError as e:
        print(f"send failed: {e}", file=sys.stderr, flush=True)
    conn.close()
