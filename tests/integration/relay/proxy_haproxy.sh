#!/usr/bin/env bash
# HAProxy (Debian's haproxy) behind sb-relay with "bind ... accept-proxy":
# with v1 and with v2 it sees the client's real address and the address it
# dialled, answers them back and logs them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd haproxy curl socat

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/v1.sock" "fd01:db8:1:40::1:11=$SB_TMP/v2.sock" \
  "192.0.2.11=$SB_TMP/v2.sock"

cat >"$SB_TMP/haproxy.cfg" <<CFG
global
  log stdout format raw local0
  pidfile $SB_TMP/haproxy.pid
defaults
  mode http
  log global
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind [::1]:8091 accept-proxy
  bind [::1]:8092 accept-proxy
  log-format "seen client=%ci:%cp dst=%fi:%fp"
  http-request return status 200 content-type text/plain lf-string "%[src] %[dst]\n"
CFG
haproxy -c -q -f "$SB_TMP/haproxy.cfg" || sb_fail "haproxy rejects the test configuration"
sb_bg haproxy sb_in "$srv" haproxy -db -f "$SB_TMP/haproxy.cfg"
sb_wait_for 30 "haproxy to listen" sb_in "$srv" curl -s -o /dev/null --haproxy-protocol "http://[::1]:8091/"

rl_relay relay "$srv" --relay "$SB_TMP/v1.sock=tcp:[::1]:8091,proxy=v1" \
  --relay "$SB_TMP/v2.sock=tcp:[::1]:8092,proxy=v2,netns=srv"

sb_assert_eq "$SB_CLIENT6 fd01:db8:1:40::1:10" "$(pl_curl "http://[fd01:db8:1:40::1:10]/")" "v1 answer"
sb_assert_eq "$SB_CLIENT6 fd01:db8:1:40::1:11" "$(pl_curl "http://[fd01:db8:1:40::1:11]/")" "v2 answer"
sb_assert_eq "$SB_CLIENT4 192.0.2.11" "$(pl_curl "http://192.0.2.11/")" "v2 answer over IPv4"

sb_wait_for 10 "haproxy's log lines" grep -q "seen client=$SB_CLIENT4:" "$SB_TMP/haproxy.log"
grep -q "seen client=$SB_CLIENT6:[0-9]* dst=fd01:db8:1:40::1:10:80" "$SB_TMP/haproxy.log" ||
  sb_fail "no v1 log line: $(cat "$SB_TMP/haproxy.log")"
grep -q "seen client=$SB_CLIENT6:[0-9]* dst=fd01:db8:1:40::1:11:80" "$SB_TMP/haproxy.log" ||
  sb_fail "no v2 log line: $(cat "$SB_TMP/haproxy.log")"
sb_pass
