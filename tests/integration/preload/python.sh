#!/usr/bin/env bash
# python3 -m http.server behind sb-preload, reached from the client
# namespace through TPROXY and the dispatcher: IPv6 and IPv4 clients fetch a
# file and the server logs their real addresses; a multi-fd datagram is
# handed out connection by connection; --require-uid refuses other senders.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/bin/python3 curl

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/py.sock" "192.0.2.10=$SB_TMP/py.sock"
mkdir -p "$SB_TMP/www"
echo "file from python" >"$SB_TMP/www/hello.txt"
pl_python python "$srv" "$SB_TMP/py.sock" --require-uid root

out=$(pl_curl "http://[fd01:db8:1:40::1:10]/hello.txt") || sb_fail "IPv6 fetch failed"
sb_assert_eq "file from python" "$out" "IPv6 fetch"
out=$(pl_curl "http://192.0.2.10/hello.txt") || sb_fail "IPv4 fetch failed"
sb_assert_eq "file from python" "$out" "IPv4 fetch"
sb_wait_for 5 "python to log the IPv6 client" grep -q "^$SB_CLIENT6 .*GET /hello.txt" "$SB_TMP/python.log"
sb_wait_for 5 "python to log the IPv4 client" grep -q "^::ffff:$SB_CLIENT4 .*GET /hello.txt" "$SB_TMP/python.log"

# The server's own namespace has no route anywhere: nothing listens on TCP.
sb_in "$srv" ss -Htln | grep -q . && sb_fail "the server namespace has a TCP listener: $(sb_in "$srv" ss -Htln)"

# Several sockets in one datagram (sbd never does this, other senders may):
# python's poll loop must serve every one of them.
sb_bg batch sb_in "$srv" sb-test-sendconn --batch 3 ::1 8080 "*=$SB_TMP/py.sock"
sb_wait_for 10 "the batching sender" grep -q listening "$SB_TMP/batch.log"
pids=()
for i in 1 2 3; do
  sb_in "$srv" curl -sS -m 5 -o "$SB_TMP/batch.$i" "http://[::1]:8080/hello.txt" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || sb_fail "a connection of a 3-fd datagram was not served"; done
for i in 1 2 3; do sb_assert_eq "file from python" "$(cat "$SB_TMP/batch.$i")" "batch fetch $i"; done

# --require-uid with a uid nobody sends from: sockets are closed, not served.
pl_python strict "$srv" "$SB_TMP/strict.sock" --require-uid 4242
sb_bg strictsend sb_in "$srv" sb-test-sendconn ::1 8081 "*=$SB_TMP/strict.sock"
sb_wait_for 10 "the strict sender" grep -q listening "$SB_TMP/strictsend.log"
if sb_in "$srv" curl -sS -m 3 "http://[::1]:8081/hello.txt" >/dev/null 2>&1; then
  sb_fail "a socket from the wrong uid was served"
fi
sb_wait_for 5 "the rejection to be logged" grep -q "closed 1 socket(s) from a wrong sender" "$SB_TMP/strict.log"
sb_pass
