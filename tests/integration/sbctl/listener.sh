#!/usr/bin/env bash
# Listener hand-off (handoff = "listener"): sbctl makes the route's
# transparent listening socket and gives it to sbd, nft steers the route
# there, and sbd hands it once to nginx (under sb-preload), which then
# accepts natively: sbd sees none of those connections, nginx logs the real
# client. sshd too, also after its SIGHUP re-exec. 50 connections made
# while nginx is stopped wait in the backlog and are all served once it is
# back; sbd restarting costs nginx nothing; status and explain tell the
# truth; removing the route takes it away.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
. "$(dirname "$0")/../preload/helpers.sh"
sb_require_root
pl_require_cmd nginx curl ss /usr/sbin/sshd ssh ssh-keygen

SB_TOPOLOGY_KERNEL=0 sb_topology
srv=$(pl_server_ns srv)
web=$SB_TMP/web.sock
LPORT=8001
write_listener_profile() {
  cat >"$SB_TMP/box.toml" <<P
[daemon]
listen  = "[::ffff:127.0.0.1]:1"
table   = "$SB_TMP/sbd.conf"
control = "$SB_TMP/sbd.ctl"

[[steer]]
prefixes = ["fd01:db8:1:40::/64"]
ports    = [22, 80, 443]
$1
[[route]]
name = "other"
dest = "fd01:db8:1:40::1:11"
port = 80
to   = "unix:$SB_TMP/other.sock"
P
}
listener_route='
[[route]]
name    = "web"
dest    = "fd01:db8:1:40::1:10"
port    = 80
handoff = "listener"
listener_port = 8001
to      = "unix:'$web'"

[[route]]
name    = "ssh"
dest    = "fd01:db8:1:40::1:10"
port    = 22
handoff = "listener"
listener_port = 8002
to      = "unix:'$SB_TMP/ssh.sock'"
'
write_listener_profile "$listener_route"
apply() { sbctl apply "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" --state-dir "$STATE" "$@"; }

sbctl check "$SB_TMP/box.toml" >"$SB_TMP/check.out" 2>&1 || sb_fail "check failed: $(cat "$SB_TMP/check.out")"
sb_assert_contains "$(sbctl compile "$SB_TMP/box.toml")" "listener:$LPORT jump-unix:$web" "compiled table"
sb_assert_contains "$(sbctl compile --nft "$SB_TMP/box.toml")" "tproxy ip6 to [::ffff:127.0.0.1]:$LPORT" "compiled nft"

# sbd needs its table to start; the first apply writes it (sbd not running
# yet: a warning), the second gives the running sbd the listening socket.
apply >"$SB_TMP/apply1.out" 2>&1 || sb_fail "first apply failed: $(cat "$SB_TMP/apply1.out")"
receiver_start "$srv" "$SB_TMP/other.sock" other
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
apply >"$SB_TMP/apply2.out" 2>&1 || sb_fail "second apply failed: $(cat "$SB_TMP/apply2.out")"
sb_assert_eq True "$(json_get "$(sbd_ctl status)" "[l['held'] for l in j['listeners'] if l['port']==$LPORT]==[True]")" \
  "sbd holds the listening socket after apply"

mkdir -p "$SB_TMP/www"
echo "native" >"$SB_TMP/www/index.html"
pl_nginx_conf "$SB_TMP/nginx.conf" "  server {
    listen [::]:80;
    root $SB_TMP/www;
  }"
start_nginx() {
  rm -f "$SB_TMP/nginx.pid"
  sb_bg nginx sb_in "$srv" sb-preload --listener "[::]:80=$web" -- nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
  NGINX_PID=$SB_LAST_PID
  sb_wait_for 15 "nginx's workers" bash -c "(( \$(pgrep -c -P \"\$(cat '$SB_TMP/nginx.pid' 2>/dev/null || echo 1)\") >= 2 ))"
}
stop_nginx() {
  local master
  master=$(cat "$SB_TMP/nginx.pid")
  kill -QUIT "$master"
  sb_wait_for 15 "nginx to exit" bash -c "! kill -0 $master 2>/dev/null && ! kill -0 $NGINX_PID 2>/dev/null"
}
start_nginx

url=http://[fd01:db8:1:40::1:10]
accepted_before=$(json_get "$(sbd_ctl status)" "j['connections']['accepted']")
for i in $(seq 20); do
  sb_assert_eq native "$(pl_curl "$url/")" "request $i through the listener"
done
sb_assert_eq 20 "$(grep -c "^$SB_CLIENT6 .*\"GET / " "$SB_TMP/access.log")" "access log lines naming the client $SB_CLIENT6"
sb_assert_eq "$accepted_before" "$(json_get "$(sbd_ctl status)" "j['connections']['accepted']")" \
  "connections sbd accepted while nginx served the listener route"
# nginx reloads (SIGHUP: new workers, its listening sockets re-read): it
# keeps the listener and serves on.
master=$(cat "$SB_TMP/nginx.pid")
kill -HUP "$master"
sb_wait_for 10 "nginx's reload" grep -q "reconfiguring" "$SB_TMP/nginx-error.log"
sb_wait_for 10 "the old workers to exit" sh -c "grep -c 'exited with code 0' '$SB_TMP/nginx-error.log' | grep -q 2"
for i in $(seq 5); do
  sb_assert_eq native "$(pl_curl "$url/")" "request $i after nginx's reload"
done
grep -q "emerg" "$SB_TMP/nginx-error.log" && sb_fail "nginx reported: $(grep emerg "$SB_TMP/nginx-error.log")"
# The other route still goes through sbd, per connection.
expect_box fd01:db8:1:40::1:11 80 other

# sshd accepts natively too: the session sees the real client, and after
# SIGHUP (sshd re-execs and binds again) sbd hands it the socket again.
pl_sshd_setup "ListenAddress [::]:22"
accepted_before=$(json_get "$(sbd_ctl status)" "j['connections']['accepted']")
sb_bg sshd sb_in "$srv" sb-preload --listener "[::]:22=$SB_TMP/ssh.sock" -- \
  /usr/sbin/sshd -D -e -f "$SB_TMP/sshd_config" -E "$SB_TMP/sshd.log"
sb_wait_for 15 "sshd to listen" grep -q "Server listening on :: port 22" "$SB_TMP/sshd.log"
out=$(pl_ssh fd01:db8:1:40::1:10 'echo "$SSH_CONNECTION"') || sb_fail "ssh login through the listener failed"
sb_assert_eq "$SB_CLIENT6" "${out%% *}" "client address in \$SSH_CONNECTION ($out)"
sb_assert_contains "$out" "fd01:db8:1:40::1:10 22" "server address in \$SSH_CONNECTION"
kill -HUP "$(cat "$SB_TMP/sshd.pid")"
sb_wait_for 15 "sshd to listen again after SIGHUP" sh -c "grep -c 'Server listening on :: port 22' '$SB_TMP/sshd.log' | grep -qx 2"
out=$(pl_ssh fd01:db8:1:40::1:10 'echo after-hup') || sb_fail "ssh login after SIGHUP failed"
sb_assert_eq after-hup "$out" "login after sshd's SIGHUP"
sb_assert_eq "" "$(sb_in "$srv" ss -Htln)" "TCP listeners in the server's own namespace (the socket is the router's)"
sb_assert_eq "$accepted_before" "$(json_get "$(sbd_ctl status)" "j['connections']['accepted']")" \
  "connections sbd accepted for the ssh listener route"

# status: held, delivered, and nft's counter of the route.
sbctl status --state-dir "$STATE" --netns "$SB_NS_ROUTER" --json >"$SB_TMP/status.json" || true
sb_assert_eq True "$(json_get "$(cat "$SB_TMP/status.json")" "any(c['port']==$LPORT and c['packets']>=20 for c in j['kernel']['listener_counters'])")" \
  "status: nft counted the route's packets"
sb_assert_contains "$(sbd_ctl metrics)" "socketbox_sbd_listener_held{port=\"$LPORT\",server=\"$web\"} 1" "sbd's metrics"
rc=0
sbctl status --state-dir "$STATE" --netns "$SB_NS_ROUTER" >"$SB_TMP/status.txt" || rc=$?
sb_assert_eq 0 "$rc" "status's exit code with the listeners held ($(cat "$SB_TMP/status.txt"))"
sb_assert_contains "$(cat "$SB_TMP/status.txt")" "LISTENER" "status text"
# explain: nft takes it to the listening socket, not to sbd.
sbctl explain "$SB_TMP/box.toml" fd01:db8:1:40::1:10 80 --netns "$SB_NS_ROUTER" >"$SB_TMP/explain.txt" 2>&1 ||
  sb_fail "explain failed: $(cat "$SB_TMP/explain.txt")"
sb_assert_contains "$(cat "$SB_TMP/explain.txt")" "nft hands it to the listening socket on port $LPORT" "explain"
sb_assert_contains "$(cat "$SB_TMP/explain.txt")" "to a listener route's socket (TPROXY to port $LPORT)" "explain's kernel line"

# nginx stops: 50 connections wait in the backlog sbd keeps, and are all
# served once nginx is back (it gets the same socket).
stop_nginx
pids=()
for i in $(seq 50); do
  sb_in "$SB_NS_CLIENT" curl -sS -m 60 --noproxy '*' -o "$SB_TMP/wait.$i" "$url/" &
  pids+=($!)
done
sb_on_exit "kill ${pids[*]} 2>/dev/null || true"
queued() { sb_in "$SB_NS_ROUTER" ss -Hltn "sport = :$LPORT" | awk '{print $2}'; }
sb_wait_for 20 "50 connections in the listener's backlog" bash -c "[[ \$(ip netns exec $SB_NS_ROUTER ss -Hltn 'sport = :$LPORT' | awk '{print \$2}') == 50 ]]"
start_nginx
for p in "${pids[@]}"; do wait "$p" || sb_fail "a connection made while nginx was stopped was not served"; done
for i in $(seq 50); do sb_assert_eq native "$(cat "$SB_TMP/wait.$i")" "waiting connection $i"; done
sb_assert_eq 0 "$(queued)" "backlog after nginx came back"

# sbd restarts (here without systemd's fd store, so it loses its copy):
# nginx keeps serving from its own, and a re-apply says what it cannot do.
sbd_stop
sb_assert_eq native "$(pl_curl "$url/")" "a request while sbd is down"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
apply >"$SB_TMP/apply3.out" 2>&1 || sb_fail "apply after sbd's restart failed: $(cat "$SB_TMP/apply3.out")"
sb_assert_contains "$(cat "$SB_TMP/apply3.out")" "listener port $LPORT ([::ffff:127.0.0.1]:$LPORT) is in use but sbd holds no socket for it" "apply after sbd lost the socket"
sb_assert_eq native "$(pl_curl "$url/")" "a request after sbd's restart"
rc=0
sbctl status --state-dir "$STATE" --netns "$SB_NS_ROUTER" >"$SB_TMP/status2.txt" || rc=$?
sb_assert_eq 1 "$rc" "status's exit code once sbd lost the listeners"
grep -qE "^$LPORT +$web +NO " "$SB_TMP/status2.txt" || sb_fail "status does not say sbd lost $LPORT: $(cat "$SB_TMP/status2.txt")"

# The route goes: nft no longer steers it to the listener, sbd lets it go.
write_listener_profile ""
stop_nginx
apply >"$SB_TMP/apply4.out" 2>&1 || sb_fail "apply without the listener route failed: $(cat "$SB_TMP/apply4.out")"
sb_assert_eq "[]" "$(json_get "$(sbd_ctl status)" "[l['port'] for l in j['listeners']]")" "sbd's listeners after the routes went"
sb_assert_eq 0 "$(sb_in "$SB_NS_ROUTER" ss -Hltn "sport = :$LPORT" | wc -l)" "sockets on the listener port once the route and nginx are gone"
sb_pass
