#!/usr/bin/env python3
"""Connects to ADDR PORT and prints what happened, as one word or line:
the first line the server sent, RESET (connection reset), CLOSED (closed
without data), TIMEOUT (nothing within the timeout) or REFUSED."""
import socket
import sys

addr, port = sys.argv[1], int(sys.argv[2])
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(timeout)
try:
    s.connect((addr, port))
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print(data.decode().strip() if data else "CLOSED")
except ConnectionResetError:
    print("RESET")
except ConnectionRefusedError:
    print("REFUSED")
except socket.timeout:
    print("TIMEOUT")
