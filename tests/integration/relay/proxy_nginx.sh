#!/usr/bin/env bash
# nginx behind sb-relay with "listen ... proxy_protocol": with v1 and with
# v2 (with a netns TLV, which nginx skips) its access log names the client's
# real address ($proxy_protocol_addr) and the address it dialled, for IPv6
# clients and for IPv4 ones (sbd's dual-stack socket sees ::ffff:a.b.c.d;
# the header says TCP4).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd nginx curl socat

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/v1.sock" "fd01:db8:1:40::1:11=$SB_TMP/v2.sock" \
  "192.0.2.10=$SB_TMP/v1.sock" "192.0.2.11=$SB_TMP/v2.sock"

mkdir -p "$SB_TMP/www"
echo "hello" >"$SB_TMP/www/index.html"
pl_nginx_conf "$SB_TMP/nginx.conf" "  log_format pp '\$proxy_protocol_addr \$proxy_protocol_port \$proxy_protocol_server_addr \$server_port \"\$request\"';
  server {
    listen [::1]:8081 proxy_protocol;
    listen [::1]:8082 proxy_protocol;
    access_log $SB_TMP/pp.log pp;
    root $SB_TMP/www;
  }"
sb_bg nginx sb_in "$srv" nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
sb_wait_for 30 "nginx to listen" sb_in "$srv" curl -s -o /dev/null --haproxy-protocol "http://[::1]:8081/"
: >"$SB_TMP/pp.log"

rl_relay relay "$srv" "$SB_TMP/v1.sock" 'tcp:[::1]:8081' --proxy-protocol v1 \
  --relay "$SB_TMP/v2.sock=tcp:[::1]:8082,proxy=v2,netns=srv"

for i in 1 2 3; do
  sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:10]/")" "v1 request $i over IPv6"
  sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:11]/")" "v2 request $i over IPv6"
done
sb_assert_eq hello "$(pl_curl "http://192.0.2.10/")" "v1 request over IPv4"
sb_assert_eq hello "$(pl_curl "http://192.0.2.11/")" "v2 request over IPv4"

sb_wait_for 10 "eight access log lines" bash -c "(( \$(wc -l <'$SB_TMP/pp.log') >= 8 ))"
log=$(cat "$SB_TMP/pp.log")
v1=$(grep -c "^$SB_CLIENT6 [0-9]* fd01:db8:1:40::1:10 8081 \"GET / " "$SB_TMP/pp.log" || true)
v2=$(grep -c "^$SB_CLIENT6 [0-9]* fd01:db8:1:40::1:11 8082 \"GET / " "$SB_TMP/pp.log" || true)
sb_assert_eq 3 "$v1" "v1 lines naming $SB_CLIENT6 in: $log"
sb_assert_eq 3 "$v2" "v2 lines naming $SB_CLIENT6 in: $log"
grep -q "^$SB_CLIENT4 [0-9]* 192.0.2.10 8081 " "$SB_TMP/pp.log" || sb_fail "no v1 line for $SB_CLIENT4: $log"
grep -q "^$SB_CLIENT4 [0-9]* 192.0.2.11 8082 " "$SB_TMP/pp.log" || sb_fail "no v2 line for $SB_CLIENT4: $log"
grep -q "broken header" "$SB_TMP/nginx-error.log" && sb_fail "nginx: $(grep 'broken header' "$SB_TMP/nginx-error.log")"
sb_assert_eq 4 "$(rl_counter relay "$SB_TMP/v2.sock" connected)" "v2 connections"
sb_pass
