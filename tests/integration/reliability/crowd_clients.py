#!/usr/bin/env python3
"""crowd_clients.py SOCKET N STOPFILE: N stuck clients on sbd's control socket.

A third connect and send nothing, a third send half a command and stop, a
third send a command and never read the answer. Each reconnects at once when
sbd closes it, so the crowd keeps every slot it can, until STOPFILE exists.
Prints how many times sbd closed one of them."""
import os
import selectors
import socket
import sys
import time

path, n, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sel = selectors.DefaultSelector()
closed = 0


def open_one(kind):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        if kind == 1:
            s.send(b"sta")
        elif kind == 2:
            s.send(b"status\n")
    except OSError:
        s.close()
        time.sleep(0.01)
        return open_one(kind)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, kind)


for i in range(n):
    open_one(i % 3)
while not os.path.exists(stop):
    for key, _ in sel.select(timeout=0.2):
        s, kind = key.fileobj, key.data
        if kind == 2:
            # The slow reader: peek, so the answer stays unread, and notice
            # only the close.
            try:
                data = s.recv(1, socket.MSG_PEEK)
            except OSError:
                data = b""
            if data:
                time.sleep(0.001)
                continue
        sel.unregister(s)
        s.close()
        closed += 1
        open_one(kind)
print(f"closed={closed}")
