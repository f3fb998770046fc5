#!/usr/bin/env python3
"""Opens COUNT connections from SRC to DST PORT, one after the other, and
prints one word per connection: CONNECTED, REFUSED (a reset in answer to the
SYN), RESET, CLOSED or TIMEOUT. With --hold it keeps the connected ones open
and stays until killed (it prints HOLDING once all were tried)."""
import argparse
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("dst")
ap.add_argument("port", type=int)
ap.add_argument("count", type=int, nargs="?", default=1)
ap.add_argument("--hold", action="store_true")
args = ap.parse_args()
family = socket.AF_INET6 if ":" in args.dst else socket.AF_INET
held = []
for _ in range(args.count):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((args.src, 0))
    try:
        s.connect((args.dst, args.port))
        print("CONNECTED", flush=True)
        held.append(s)
    except ConnectionRefusedError:
        print("REFUSED", flush=True)
    except ConnectionResetError:
        print("RESET", flush=True)
    except socket.timeout:
        print("TIMEOUT", flush=True)
    if not args.hold:
        for h in held:
            h.close()
        held.clear()
if args.hold:
    print("HOLDING", flush=True)
    while True:
        time.sleep(3600)
