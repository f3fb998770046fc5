#!/usr/bin/env python3
"""hold_clients.py BASE COUNT PORT N STOPFILE: opens N TCP connections to
the addresses BASE+0 .. BASE+COUNT-1 (round robin) and holds them open.
Prints "connected N" once all are established (or "failed K: ERROR" and
exits 1), then holds them until STOPFILE exists."""
import ipaddress
import os
import socket
import sys
import time

base, count, port, n = ipaddress.ip_address(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
stop = sys.argv[5]
held = []
for i in range(n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect((str(base + i % count), port))
    except OSError as e:
        print(f"failed {i}: {e}", flush=True)
        sys.exit(1)
    held.append(s)
print(f"connected {len(held)}", flush=True)
while not os.path.exists(stop):
    time.sleep(0.1)
