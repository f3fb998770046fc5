#!/usr/bin/env python3
"""Plays systemd for sbd.socket + sbd.service, as the units are written.

Run inside the router namespace. Reads the generated units, creates the
listening socket with the [Socket] settings of sbd.socket, starts sbd with
sbd.service's ExecStart (table, control socket and user swapped for the
test's), passes the socket as LISTEN_FDS and waits for READY=1 on a
NOTIFY_SOCKET, as Type=notify does. Then:

  1. a client connection is dispatched to a receiver;
  2. sbd is killed (SIGKILL, a crash: Restart=on-failure);
  3. a client connects while no sbd runs: the kernel queues it in the
     socket this process holds;
  4. sbd is started again with the same socket: the queued connection is
     dispatched, nothing was lost;
  5. a reload through the control socket works after the privilege drop;
  6. SIGTERM stops sbd cleanly.

Prints one line per step; exits non-zero on the first deviation.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

IPV6_TRANSPARENT = 75
IPV6_FREEBIND = 78

units, tmp, client_ns, dest, user, group = sys.argv[1:7]


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def unit_settings(path):
    settings = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


sock_unit = unit_settings(f"{units}/sbd.socket")
svc_unit = unit_settings(f"{units}/sbd.service")
if svc_unit.get("Type") != ["notify"]:
    fail(f"sbd.service is not Type=notify: {svc_unit.get('Type')}")

# The listening socket, as systemd makes it from [Socket].
listen = sock_unit["ListenStream"][0]
host, port = listen.rsplit(":", 1)
lsock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
if sock_unit.get("BindIPv6Only") == ["both"]:
    lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
if sock_unit.get("Transparent") == ["yes"]:
    lsock.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
if sock_unit.get("FreeBind") == ["yes"]:
    lsock.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
lsock.bind((host.strip("[]"), int(port)))
lsock.listen(int(sock_unit.get("Backlog", ["128"])[0]))

# Type=notify: sbd reports READY=1 here.
notify_path = f"{tmp}/notify.sock"
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
os.chmod(notify_path, 0o666)  # sbd notifies after dropping to the test's user
notify.settimeout(10)

# The receiver a route points at: answers each connection with its peer.
recv_path = f"{tmp}/run/recv.sock"
receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
receiver.bind(recv_path)
os.chmod(recv_path, 0o666)  # the test's sbd runs as an unprivileged user


def serve():
    while True:
        _, fds, _, _ = socket.recv_fds(receiver, 16, 4)
        for fd in fds:
            conn = socket.socket(fileno=fd)
            conn.sendall(f"served {conn.getpeername()[0]}\n".encode())
            conn.close()


threading.Thread(target=serve, daemon=True).start()

with open(f"{tmp}/sbd.conf", "w") as table:
    table.write(f"rule-set:0\nip:{dest} port:22 jump-unix:{recv_path}\n")

# ExecStart, with this test's table, control socket and user.
argv = svc_unit["ExecStart"][0].split()
args, i = [], 0
while i < len(argv):
    a = argv[i]
    swap = {"-f": f"{tmp}/sbd.conf", "--control": f"{tmp}/run/sbd.ctl", "-u": user, "-g": group, "-G": group}
    if a in swap:
        args += [a, swap[a]]
        i += 2
    else:
        args.append(a)
        i += 1


def start_sbd():
    os.dup2(lsock.fileno(), 3, inheritable=True)
    env = dict(os.environ, LISTEN_FDS="1", NOTIFY_SOCKET=notify_path)
    log = open(f"{tmp}/sbd.log", "a")
    # LISTEN_PID must be sbd's own pid: set it in the shell that execs sbd.
    p = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sbd"] + args,
                         env=env, pass_fds=(3,), stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            msg = notify.recv(4096).decode()
        except socket.timeout:
            break
        if "READY=1" in msg.split("\n"):
            return p
    p.kill()
    fail("sbd did not report READY=1")


def client():
    """Connects from the client namespace; returns the process (line on stdout)."""
    code = ("import socket,sys; s=socket.create_connection((sys.argv[1],22),timeout=15); "
            "print(s.makefile().readline().strip())")
    return subprocess.Popen(["ip", "netns", "exec", client_ns, sys.executable, "-c", code, dest],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def expect_served(proc, what):
    out, _ = proc.communicate(timeout=20)
    if not out.startswith("served "):
        fail(f"{what}: client got {out!r}")
    print(f"ok: {what}: {out.strip()}", flush=True)


sbd = start_sbd()
print(f"ok: sbd reported READY=1 (pid {sbd.pid}) with the socket from LISTEN_FDS", flush=True)
expect_served(client(), "connection dispatched")

sbd.kill()
sbd.wait()
print("ok: sbd killed; the socket stays open here", flush=True)
queued = client()


def accept_queue():
    # For a listening socket, TCP_INFO's tcpi_unacked is its accept queue.
    return struct.unpack_from("I", lsock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 24)[0]


deadline = time.monotonic() + 10
while accept_queue() < 1:
    if queued.poll() is not None or time.monotonic() > deadline:
        fail(f"the connection did not wait in the socket's queue: {queued.communicate()[0]!r}")
    time.sleep(0.05)
print("ok: a connection made while sbd is down waits in the socket's queue", flush=True)
sbd = start_sbd()
print(f"ok: sbd restarted (pid {sbd.pid})", flush=True)
expect_served(queued, "connection made while sbd was down")

# sbctl apply's path: rewrite the table, ask sbd to reload through the
# control socket. sbd now runs as the unprivileged user.
with open(f"{tmp}/sbd.conf", "w") as table:
    table.write(f"rule-set:0\nip:{dest} port:22 jump-unix:{recv_path}\nport:22 fail\n")
ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ctl.settimeout(10)
ctl.connect(f"{tmp}/run/sbd.ctl")
ctl.sendall(b"reload\n")
answer = ctl.makefile().readline().strip()
ctl.close()
if not answer.startswith('{"ok":true'):
    fail(f"reload through the control socket answered {answer!r}")
print(f"ok: reload through the control socket: {answer}", flush=True)
expect_served(client(), "connection after the reload")

sbd.send_signal(signal.SIGTERM)
status = sbd.wait(timeout=10)
log = open(f"{tmp}/sbd.log").read()
if re.search(r"ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error", log):
    fail("sanitizer report in sbd's log")
# Under ASan, LeakSanitizer cannot inspect a process that dropped to another
# user (it is no longer dumpable) and aborts with "fatal error": not a finding.
lsan_cannot_run = os.environ.get("SB_SANITIZE") == "1" and "LeakSanitizer has encountered a fatal error" in log
if status != 0 and not lsan_cannot_run:
    fail(f"sbd exited with {status} on SIGTERM")
print("ok: SIGTERM stops sbd" + (" (LeakSanitizer could not run as the dropped user)" if status else " with status 0"),
      flush=True)
