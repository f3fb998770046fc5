#!/usr/bin/env python3
"""Listener hand-off mode, both ends of sbd's part:

  send CTL PORT          makes a TCP listening socket on [::ffff:127.0.0.1]:PORT, as
                         sbctl does, sends it to sbd's control socket CTL with the
                         `listener` command (one SCM_RIGHTS descriptor), closes its
                         own copy and prints sbd's answer.
  receive PATH NAME SECS binds a receiving socket at PATH (anew: a new inode), waits
                         at most SECS for one datagram carrying a listening socket,
                         prints "LISTENING port=N", accepts one connection on it,
                         answers "listener=NAME" and exits.
"""
import os
import select
import socket
import sys

IPV6_TRANSPARENT = 75  # linux/in6.h; Python's socket module lacks the name


def send(ctl, port):
    lsock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Transparent, as sbctl makes it, so that nft's TPROXY can steer to it.
    lsock.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
    lsock.bind(("::ffff:127.0.0.1", port))
    lsock.listen(4096)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(ctl)
    socket.send_fds(c, [b"listener\n"], [lsock.fileno()])
    lsock.close()
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(4096)
        if not chunk:
            break
        data += chunk
    print(data.decode().strip())


def receive(path, name, secs):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    r.bind(path)
    os.chmod(path, 0o666)
    print(f"bound {path} inode={os.stat(path).st_ino}", flush=True)
    if not select.select([r], [], [], secs)[0]:
        print("TIMEOUT waiting for the listening socket", flush=True)
        sys.exit(1)
    msg, fds, _, _ = socket.recv_fds(r, 16, 4, socket.MSG_CMSG_CLOEXEC)
    if len(fds) != 1:
        print(f"BAD: {len(fds)} descriptors", flush=True)
        sys.exit(1)
    lsock = socket.socket(fileno=fds[0])
    acceptconn = lsock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    if msg != b"\0" or acceptconn != 1 or lsock.type != socket.SOCK_STREAM:
        print(f"BAD: payload {msg!r}, SO_ACCEPTCONN {acceptconn}", flush=True)
        sys.exit(1)
    print(f"LISTENING port={lsock.getsockname()[1]}", flush=True)
    lsock.settimeout(secs)
    conn, _ = lsock.accept()
    conn.sendall(f"listener={name}\n".encode())
    conn.close()
    print("ACCEPTED", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "receive":
        receive(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
