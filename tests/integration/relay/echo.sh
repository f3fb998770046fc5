#!/usr/bin/env bash
# sbd -> sb-relay -> a plain TCP server, no PROXY header: multi-megabyte
# transfers arrive exactly (checksums) both ways at once, and half-close works
# in both directions (the client's EOF reaches the server while the server's
# answer still flows back; the server's EOF reaches the client while the
# client's data still flows on). Unix targets too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd python3 socat

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/echo.sock" "fd01:db8:1:40::1:11=$SB_TMP/push.sock" \
  "fd01:db8:1:40::1:12=$SB_TMP/unix.sock"

rl_peer_bg echo "$srv" echo-server ::1 7001
rl_peer_bg push "$srv" push-server ::1 7002 3000000
sb_bg unixecho sb_in "$srv" socat "UNIX-LISTEN:$SB_TMP/unix.app,fork" EXEC:cat
sb_wait_path 10 "$SB_TMP/unix.app"
rl_relay relay "$srv" "$SB_TMP/echo.sock" 'tcp:[::1]:7001' \
  --relay "$SB_TMP/push.sock=tcp:[::1]:7002" --relay "$SB_TMP/unix.sock=unix:$SB_TMP/unix.app"

# Both directions at once, then the client's half-close.
out=$(rl_peer "$SB_NS_CLIENT" echo-client fd01:db8:1:40::1:10 80 8000000) || sb_fail "echo: $out"
sb_assert_contains "$out" "echo ok 8000000" "the echo client"

# The server half-closes first; the client then still sends 2 MB.
out=$(rl_peer "$SB_NS_CLIENT" push-client fd01:db8:1:40::1:11 80 3000000 2000000) ||
  sb_fail "push: $out"
want=${out##*sha256=}
sb_wait_for 10 "the push server's checksum" grep -q "got 2000000 sha256=$want" "$SB_TMP/push.log"

# A Unix stream target.
out=$(rl_peer "$SB_NS_CLIENT" echo-client fd01:db8:1:40::1:12 80 1000000) || sb_fail "unix: $out"
sb_assert_contains "$out" "echo ok 1000000" "the echo client over a unix target"

sb_wait_for 10 "all connections to end" rl_counter_is relay "$SB_TMP/echo.sock" active 0
sb_assert_eq 8000000 "$(rl_counter relay "$SB_TMP/echo.sock" bytes_to_target)" "bytes to the echo server"
sb_assert_eq 8000000 "$(rl_counter relay "$SB_TMP/echo.sock" bytes_to_client)" "bytes back"
sb_assert_eq 2000000 "$(rl_counter relay "$SB_TMP/push.sock" bytes_to_target)" "bytes to the push server"
sb_assert_eq 3000000 "$(rl_counter relay "$SB_TMP/push.sock" bytes_to_client)" "bytes from the push server"
sb_assert_eq 1 "$(rl_counter relay "$SB_TMP/unix.sock" connected)" "unix target connections"
sb_pass
