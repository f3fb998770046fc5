#!/usr/bin/env python3
"""Connects to [ADDR]:PORT over and over until STOPFILE exists; one line per
attempt, "WALLTIME ok|fail", so a test can tell when service broke and came back."""
import os
import socket
import sys
import time

addr, port, out, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(out, "w", buffering=1) as f:
    while not os.path.exists(stop):
        start = time.time()
        ok = False
        try:
            with socket.create_connection((addr, port), timeout=0.3) as s:
                ok = s.recv(256).startswith(b"box=")
        except OSError:
            pass
        f.write("%.6f %s\n" % (start, "ok" if ok else "fail"))
        # Failures come back at once (a reset): pace them, not the good ones.
        if not ok:
            time.sleep(0.01)
