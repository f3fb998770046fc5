#!/usr/bin/env python3
"""Test peers for the sb-relay tests (servers behind the relay, clients in
front of it). Data is pseudo-random from a seed, so both ends can checksum
it without storing it.

  peer.py echo-server ADDR PORT
      echoes every connection (selectors, one thread, many connections);
      half-close: on EOF it finishes echoing, then shuts down its write side.
  peer.py push-server ADDR PORT BYTES
      sends BYTES, shuts down its write side first, then reads the client
      until EOF and prints "got N sha256=H".
  peer.py slow-server ADDR PORT GATE
      accepts and reads nothing until the file GATE exists, then drains and
      prints "got N sha256=H".
  peer.py echo-client HOST PORT BYTES      sends BYTES while reading the echo
  peer.py push-client HOST PORT BYTES_IN BYTES_OUT
  peer.py send-client HOST PORT BYTES      sends, half-closes, waits for EOF
  peer.py idle-client HOST PORT            sends nothing; prints when the
      connection is closed ("closed after S s", or "still open" after 20 s)
  peer.py hold-clients HOST PORT N READY DONE
      opens N connections at once, checks each echoes, writes READY, holds
      them until the file DONE exists, checks each still echoes, then closes
      them all.
"""
import hashlib
import os
import random
import resource
import selectors
import socket
import sys
import threading
import time


def data(seed, n):
    rnd = random.Random(seed)
    left = n
    while left > 0:
        k = min(left, 65536)
        yield rnd.randbytes(k)
        left -= k


def digest_of(seed, n):
    h = hashlib.sha256()
    for b in data(seed, n):
        h.update(b)
    return h.hexdigest()


def listen(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1024)
    print("listening", flush=True)
    return s


def connect(host, port):
    return socket.create_connection((host, int(port)), timeout=30)


def echo_server(addr, port):
    ls = listen(addr, port)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    pending = {}
    while True:
        for key, ev in sel.select():
            if key.data is None:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                pending[c] = bytearray()
                sel.register(c, selectors.EVENT_READ, "c")
                continue
            c = key.fileobj
            buf = pending[c]
            if ev & selectors.EVENT_READ and len(buf) < 262144:
                try:
                    chunk = c.recv(65536)
                except (BlockingIOError, InterruptedError):
                    chunk = None
                except ConnectionError:
                    chunk = b""
                    buf.clear()
                if chunk == b"":
                    c.setblocking(True)
                    try:
                        c.sendall(buf)
                        c.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    sel.unregister(c)
                    del pending[c]
                    c.close()
                    continue
                if chunk:
                    buf += chunk
            if buf:
                try:
                    n = c.send(buf)
                    del buf[:n]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    buf.clear()
            # Back-pressure of its own: no reading while much is unsent.
            want = (selectors.EVENT_READ if len(buf) < 262144 else 0) | (
                selectors.EVENT_WRITE if buf else 0)
            sel.modify(c, want, "c")


def read_all(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)


def push_server(addr, port, nbytes):
    ls = listen(addr, port)
    while True:
        c, _ = ls.accept()
        for b in data(1, int(nbytes)):
            c.sendall(b)
        c.shutdown(socket.SHUT_WR)
        n, h = read_all(c)
        print(f"got {n} sha256={h}", flush=True)
        c.close()


def slow_server(addr, port, gate):
    ls = listen(addr, port)
    c, _ = ls.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    print("accepted", flush=True)
    while not os.path.exists(gate):
        time.sleep(0.05)
    n, h = read_all(c)
    print(f"got {n} sha256={h}", flush=True)


def echo_client(host, port, nbytes):
    nbytes = int(nbytes)
    c = connect(host, port)

    def send():
        for b in data(2, nbytes):
            c.sendall(b)
        c.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=send)
    t.start()
    n, h = read_all(c)
    t.join()
    want = digest_of(2, nbytes)
    if n != nbytes or h != want:
        print(f"MISMATCH got {n} {h} want {nbytes} {want}", flush=True)
        sys.exit(1)
    print(f"echo ok {n} sha256={h}", flush=True)


def push_client(host, port, nin, nout):
    c = connect(host, port)
    n, h = read_all(c)  # the server half-closed first
    want = digest_of(1, int(nin))
    if n != int(nin) or h != want:
        print(f"MISMATCH from server: {n} {h}", flush=True)
        sys.exit(1)
    # Our direction still works after the server's EOF.
    for b in data(3, int(nout)):
        c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print(f"push ok sent sha256={digest_of(3, int(nout))}", flush=True)


def send_client(host, port, nbytes):
    c = connect(host, port)
    c.settimeout(120)
    for b in data(4, int(nbytes)):
        c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print(f"sent sha256={digest_of(4, int(nbytes))}", flush=True)


def idle_client(host, port):
    c = connect(host, port)
    c.settimeout(20)
    start = time.monotonic()
    try:
        b = c.recv(1)
    except socket.timeout:
        print("still open", flush=True)
        sys.exit(1)
    except ConnectionError:
        b = b""
    print(f"closed after {time.monotonic() - start:.1f} s, got {b!r}", flush=True)


def hold_clients(host, port, n, ready, done):
    n = int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 256)), hard))
    # In batches of 50, each echoing before the next opens: at most 50
    # connections wait in sbd's hand-off queue at once, however slow a
    # loaded machine makes the relay.
    socks = []
    for start in range(0, n, 50):
        batch = [connect(host, port) for _ in range(start, min(n, start + 50))]
        for i, s in enumerate(batch, start):
            s.sendall(f"conn {i}\n".encode())
        for i, s in enumerate(batch, start):
            msg = f"conn {i}\n".encode()
            got = b""
            while len(got) < len(msg):
                b = s.recv(len(msg) - len(got))
                if not b:
                    print(f"connection {i} closed early", flush=True)
                    sys.exit(1)
                got += b
            if got != msg:
                print(f"connection {i}: got {got!r}", flush=True)
                sys.exit(1)
        socks += batch
    open(ready, "w").close()
    print(f"holding {n}", flush=True)
    while not os.path.exists(done):
        time.sleep(0.05)
    # Still relaying: each echoes again.
    for i, s in enumerate(socks):
        s.sendall(b"again\n")
        got = b""
        while len(got) < 6:
            b = s.recv(6 - len(got))
            if not b:
                print(f"connection {i} closed while held", flush=True)
                sys.exit(1)
            got += b
    for s in socks:
        s.close()
    print("closed", flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "echo-server": echo_server,
        "push-server": push_server,
        "slow-server": slow_server,
        "echo-client": echo_client,
        "push-client": push_client,
        "send-client": send_client,
        "hold-clients": hold_clients,
        "idle-client": idle_client,
    }[cmd](*args)


if __name__ == "__main__":
    main()
