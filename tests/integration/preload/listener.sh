#!/usr/bin/env bash
# sb-preload --listener: python3 -m http.server binds [::]:80, which becomes a
# receiving socket at PATH; its listen() waits for the listening TCP socket
# sbd would send for a listener route (here send_listener.py sends one bound
# on 127.0.0.1:<free port>, after a connection that must be skipped) and
# installs it: the server then accepts natively on that port. Nothing
# arriving in time fails listen() with EADDRNOTAVAIL and one stderr line.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/bin/python3 curl
sender=$(dirname "$0")/send_listener.py

srv=$(pl_server_ns srv)
mkdir -p "$SB_TMP/www"
echo "file from python" >"$SB_TMP/www/hello.txt"
path=$SB_TMP/listener.sock

sb_bg python sb_in "$srv" sb-preload --listener "[::]:80=$path" --listener-wait 20 -- \
  /usr/bin/python3 -u -m http.server --bind :: --directory "$SB_TMP/www" 80
sb_wait_path 10 "$path"
sb_in "$srv" /usr/bin/python3 "$sender" --connection-first "$path" "$SB_TMP/port" ||
  sb_fail "could not send the listening socket"
port=$(cat "$SB_TMP/port")
# http.server prints getsockname() after listen(): the kernel's, the received socket's.
sb_wait_for 10 "python to serve on 127.0.0.1:$port" \
  grep -q "Serving HTTP on 127.0.0.1 port $port " "$SB_TMP/python.log"

out=$(sb_in "$srv" curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$port/hello.txt") ||
  sb_fail "fetch through the received listening socket failed"
sb_assert_eq "file from python" "$out" "fetch on 127.0.0.1:$port"
sb_wait_for 5 "python to log the client" grep -q "^127.0.0.1 .*GET /hello.txt" "$SB_TMP/python.log"

# Python holds the only listening socket (the sender exited), none on port 80.
listeners=$(sb_in "$srv" ss -Htlnp)
sb_assert_contains "$listeners" "127.0.0.1:$port" "TCP listeners"
sb_assert_contains "$listeners" "python3" "the listener's owner"
grep -q ":80 " <<<"$listeners" && sb_fail "something listens on port 80: $listeners"
# The receiving socket stays bound at the path (hidden) while the server runs.
sb_in "$srv" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])' "$path" || sb_fail "$path is no longer bound while the server runs"
out=$(sb_in "$srv" curl -sS -m 5 --noproxy '*' "http://127.0.0.1:$port/hello.txt") ||
  sb_fail "second fetch failed"
sb_assert_eq "file from python" "$out" "second fetch"

# Nothing sent: listen() fails after --listener-wait with EADDRNOTAVAIL and
# the line that says why; python exits with its OSError.
lonely=$SB_TMP/lonely.sock
rc=0
sb_in "$srv" timeout 30 sb-preload --listener "[::]:81=$lonely" --listener-wait 1 -- \
  /usr/bin/python3 -u -m http.server --bind :: --directory "$SB_TMP/www" 81 \
  >"$SB_TMP/lonely.log" 2>&1 || rc=$?
((rc != 0 && rc != 124)) || sb_fail "python without a listening socket: exit status $rc"
lines=$(grep -c "no listening socket arrived at $lonely within 1 s (is sbd running with a listener route for it?)" \
  "$SB_TMP/lonely.log" || true)
sb_assert_eq 1 "$lines" "timeout lines on stderr"
grep -q "Errno 99" "$SB_TMP/lonely.log" || sb_fail "listen() did not fail with EADDRNOTAVAIL"
sb_pass
