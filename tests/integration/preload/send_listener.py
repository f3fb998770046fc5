#!/usr/bin/env python3
"""What sbd does for a listener route, for the preload tests: makes a TCP
socket listening on HOST:0 (a free port), writes the port to PORTFILE and
sends the socket once to the receiver at PATH in sbd's wire format (one NUL
byte, one SCM_RIGHTS fd). With --connection-first a connected socket goes
first (a receiver in listener mode must skip it). Waits up to --wait seconds
for PATH to accept the datagram; exit 1 if it never does."""
import argparse
import array
import errno
import os
import socket
import sys
import time


def send(path, fd, deadline):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        while True:
            try:
                # sendmsg itself: socket.send_fds drops flags and address before 3.12.
                s.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))],
                          socket.MSG_DONTWAIT, path)
                return
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.ECONNREFUSED, errno.EAGAIN):
                    raise
                if time.monotonic() > deadline:
                    sys.exit(f"send_listener: nothing receives at {path}: {e}")
                time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("portfile")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--wait", type=float, default=10)
    ap.add_argument("--connection-first", action="store_true")
    a = ap.parse_args()
    deadline = time.monotonic() + a.wait
    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as l:
        l.bind((a.host, 0))
        l.listen(16)
        if a.connection_first:
            c1, c2 = socket.socketpair()
            send(a.path, c1.fileno(), deadline)
            c1.close()
            c2.close()
        send(a.path, l.fileno(), deadline)
        port = l.getsockname()[1]
    # Written last: the socket is on its way once the port is known.
    with open(a.portfile + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(a.portfile + ".tmp", a.portfile)


if __name__ == "__main__":
    main()
