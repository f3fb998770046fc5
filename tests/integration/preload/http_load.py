#!/usr/bin/env python3
"""http_load.py URL THREADS RATE: HTTP/1.0 GETs, one connection each, from
THREADS threads at about RATE requests/s in all, until SIGTERM. Each reply
must be a 200 whose body names its server ("server=NAME"). Prints one line,
  requests=N errors=E NAME=COUNT ...
and the first errors (reset, refused, short or wrong reply) on stderr, so
a failover test can assert that no client saw a failure and who served."""
import collections
import signal
import socket
import sys
import threading
import time
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
threads, rate = int(sys.argv[2]), float(sys.argv[3])
host, port = url.hostname, url.port or 80
request = f"GET {url.path} HTTP/1.0\r\nHost: x\r\n\r\n".encode()
stop = threading.Event()
lock = threading.Lock()
served = collections.Counter()
errors = []


def one():
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(request)
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ValueError(f"reply {reply[:60]!r}")
    return body.decode().strip().removeprefix("server=")


def worker():
    gap = threads / rate
    next_at = time.monotonic()
    while not stop.is_set():
        try:
            who = one()
            with lock:
                served[who] += 1
        except Exception as e:  # every failure a client could see
            with lock:
                errors.append(f"{type(e).__name__}: {e}")
        next_at += gap
        time.sleep(max(0.0, next_at - time.monotonic()))


signal.signal(signal.SIGTERM, lambda *_: stop.set())
pool = [threading.Thread(target=worker) for _ in range(threads)]
for t in pool:
    t.start()
while not stop.is_set():
    stop.wait(0.2)
for t in pool:
    t.join()
for e in errors[:10]:
    print(e, file=sys.stderr)
counts = " ".join(f"{k}={v}" for k, v in sorted(served.items()))
print(f"requests={sum(served.values()) + len(errors)} errors={len(errors)} {counts}", flush=True)
