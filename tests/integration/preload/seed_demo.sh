#!/usr/bin/env bash
# The seed's demonstration, with real servers behind sb-preload and sbd
# serving the seed's table shape (rule set jumping to exact-match maps):
#   ssh  fd01:db8:1:40::1:10      -> sshd in the box          (logs in)
#   ssh  ...::1:11, ::1:f, ::1:0  -> closed (sbd resets them)
#   https ...::1:10               -> nginx (TLS, certificate CN mismatch)
#   https ...::1:11               -> python https server (a different one)
#   https ...::1:f, ::1:12, ::1:1f, ::1234:5678 -> closed (no TLS session)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/sbin/sshd ssh ssh-keygen nginx /usr/bin/python3 curl openssl

sb_topology
box=$(pl_server_ns vm7)
cat >"$SB_TMP/sbd.table" <<TABLE
rule-set:0 size:100
ip:fd01:db8:1:40::/96 port:443 jump-map:2
ip:fd01:db8:1:40::/96 port:22 jump-map:3

map-set:2 size:100 match-lip:128
ip:fd01:db8:1:40::1:10 jump-unix:$SB_TMP/sb-00443
ip:fd01:db8:1:40::1:11 jump-unix:$SB_TMP/apache-00443

map-set:3 size:100 match-lip:128
ip:fd01:db8:1:40::1:10 jump-unix:$SB_TMP/sshd_socket
TABLE
sb_bg dispatcher sb_in "$SB_NS_ROUTER" sbd -t -l ::ffff:127.0.0.1 -p 1 -f "$SB_TMP/sbd.table" --control "$SB_TMP/sbd.ctl"
sb_wait_for 10 "sbd to serve" grep -q "sbd: serving" "$SB_TMP/dispatcher.log"

# A certificate with an empty common name, as in the transcript.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/O=socketbox test" \
  -keyout "$SB_TMP/tls.key" -out "$SB_TMP/tls.crt" 2>/dev/null

pl_sshd_setup "ListenAddress [::]:22"
sb_bg sshd sb_in "$box" sb-preload --map "[::]:22=$SB_TMP/sshd_socket" -- \
  /usr/sbin/sshd -D -e -f "$SB_TMP/sshd_config" -E "$SB_TMP/sshd.log"

mkdir -p "$SB_TMP/www-nginx" "$SB_TMP/www-py"
echo "sb nginx" >"$SB_TMP/www-nginx/index.html"
echo "apache stand-in" >"$SB_TMP/www-py/index.html"
pl_nginx_conf "$SB_TMP/nginx.conf" "  server {
    listen [::]:443 ssl;
    ssl_certificate $SB_TMP/tls.crt;
    ssl_certificate_key $SB_TMP/tls.key;
    root $SB_TMP/www-nginx;
  }"
sb_bg nginx sb_in "$box" sb-preload --map "[::]:443=$SB_TMP/sb-00443" -- nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
# The second https server binds a specific address of the box's loopback
# side; the mapping names exactly that address.
sb_bg python-https sb_in "$box" sb-preload --map "[::1]:443=$SB_TMP/apache-00443" -- /usr/bin/python3 -u -c '
import http.server, ssl, socket, sys, functools
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[3])
class V6(http.server.HTTPServer):
    address_family = socket.AF_INET6
srv = V6(("::1", 443), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("serving", flush=True)
srv.serve_forever()' "$SB_TMP/tls.crt" "$SB_TMP/tls.key" "$SB_TMP/www-py"
sb_wait_path 10 "$SB_TMP/sshd_socket"
sb_wait_path 10 "$SB_TMP/sb-00443"
sb_wait_for 10 "the python https server" grep -q serving "$SB_TMP/python-https.log"

P=fd01:db8:1:40:
# ssh: only ::1:10 has a server.
out=$(pl_ssh "${P}:1:10" 'echo "$SSH_CONNECTION"') || sb_fail "ssh root@${P}:1:10 failed"
sb_assert_eq "$SB_CLIENT6" "${out%% *}" "ssh to ${P}:1:10 sees the client"
for host in "${P}:1:11" "${P}:1:f" "${P}:1:0"; do
  if pl_ssh "$host" true 2>"$SB_TMP/ssh.err"; then sb_fail "ssh to $host succeeded"; fi
  # The seed's socketbox closed such connections, sbd resets them: either
  # way ssh never meets a server (what ssh prints depends on when the reset
  # lands, so sbd's log is what is checked).
  sb_wait_for 5 "sbd to log $host:22 as unrouted" \
    grep -qF -- "-> [$host]:22: the table has no receiver for it" "$SB_TMP/dispatcher.log"
done

# https: a certificate problem means TLS reached a server; the two
# addresses reach different servers; every other address is closed.
for host in "${P}:1:10" "${P}:1:11"; do
  rc=0
  pl_curl "https://[$host]/" >/dev/null 2>"$SB_TMP/curl.err" || rc=$?
  sb_assert_eq 60 "$rc" "curl https://[$host]/ without -k (certificate not trusted)"
done
sb_assert_eq "sb nginx" "$(pl_curl -k "https://[${P}:1:10]/")" "https to ::1:10"
sb_assert_eq "apache stand-in" "$(pl_curl -k "https://[${P}:1:11]/")" "https to ::1:11"
for host in "${P}:1:f" "${P}:1:12" "${P}:1:1f" "${P}:1234:5678"; do
  rc=0
  pl_curl -k "https://[$host]/" >/dev/null 2>"$SB_TMP/curl.err" || rc=$?
  # Reset by sbd: before (7), during (35) or after (56) curl's TLS start.
  [[ $rc == 7 || $rc == 35 || $rc == 56 ]] ||
    sb_fail "https to $host: expected the connection reset (curl 7/35/56), got $rc: $(cat "$SB_TMP/curl.err")"
  sb_wait_for 5 "sbd to log $host:443 as unrouted" \
    grep -qF -- "-> [$host]:443: the table has no receiver for it" "$SB_TMP/dispatcher.log"
done
sb_wait_for 5 "nginx to log the client" grep -q "^$SB_CLIENT6 " "$SB_TMP/access.log"
sb_pass
