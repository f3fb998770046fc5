#!/usr/bin/env bash
# A route whose target is a relay: one `sbctl apply` installs the steering,
# sbd's table pointing at sb-relay's receiving sockets and sb-relay's own
# file; sb-relay (reloaded by sbctl) relays real curl requests to nginx with
# PROXY v1 and v2 (its log names the client's real address) and to python's
# http.server without a header. explain and status show the relay; a second
# apply and a rollback rewrite the file and reload sb-relay; a profile
# without relay routes leaves no file behind, or empties sbctl's own.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/../relay/relay_helpers.sh"
sb_require_root
pl_require_cmd nginx curl socat

SB_TOPOLOGY_KERNEL=0 sb_topology
srv=$(pl_server_ns srv)
mkdir -p "$SB_TMP/relay" "$SB_TMP/www" "$SB_TMP/vm"
echo hello >"$SB_TMP/www/index.html"

# profile FILE [ROUTES [SOCKET_DIR]]: the box with sbd's and sb-relay's paths under $SB_TMP.
profile() {
  cat >"$1" <<P
[daemon]
table   = "$SB_TMP/sbd.conf"
control = "$SB_TMP/sbd.ctl"

[relay]
config     = "$SB_TMP/relay.toml"
control    = "$SB_TMP/relay.ctl"
socket_dir = "${3:-$SB_TMP/relay}"

[[steer]]
prefixes = ["fd01:db8:1:40::/64", "192.0.2.0/24"]
ports    = [80]
$2
P
}
v1_route='
[[route]]
name  = "web-v1"
dest  = "fd01:db8:1:40::1:10"
port  = 80
to    = "relay:tcp:[::1]:8081"
proxy = "v1"
'
v2_route='
[[route]]
name  = "web-v2"
dest  = "fd01:db8:1:40::1:11"
port  = 80
to    = "relay:tcp:[::1]:8082"
proxy = "v2"
'
plain_route='
[[route]]
name = "plain"
dest = "192.0.2.10"
port = 80
to   = "relay:tcp:127.0.0.1:8083"
'
no_relay_route="
[[route]]
dest = \"192.0.2.20\"
to   = \"unix:$SB_TMP/vm/a.sock\"
"
listener_v1_route="${v1_route%$'\n'}
handoff = \"listener\"
listener_port = 8005
"
profile "$SB_TMP/plain.toml" "$no_relay_route"
profile "$SB_TMP/box.toml" "$v1_route$v2_route$plain_route"
profile "$SB_TMP/two.toml" "$v1_route$v2_route"
profile "$SB_TMP/listen.toml" "$listener_v1_route$v2_route"
# sb-relay cannot bind in a directory that does not exist: it refuses the file.
profile "$SB_TMP/unbindable.toml" "$v1_route$v2_route" "$SB_TMP/no-such-dir"

apply() {
  sbctl apply "$1" --netns "$SB_NS_ROUTER" --state-dir "$STATE" >"$SB_TMP/apply.out" 2>"$SB_TMP/apply.err" ||
    sb_fail "apply $1 failed: $(cat "$SB_TMP/apply.err")"
}

# 1. No relay route and no file: sbctl writes none and says nothing of sb-relay.
apply "$SB_TMP/plain.toml"
[[ -e $SB_TMP/relay.toml ]] && sb_fail "a profile without relay routes wrote $SB_TMP/relay.toml"
grep -q sb-relay "$SB_TMP/apply.out" "$SB_TMP/apply.err" && sb_fail "sb-relay mentioned: $(cat "$SB_TMP/apply.out" "$SB_TMP/apply.err")"

# 2. The relay profile, before sb-relay runs: the file is written, its absence a warning.
sbctl check "$SB_TMP/box.toml" >"$SB_TMP/check.out" || sb_fail "check: $(cat "$SB_TMP/check.out")"
rc=0
sbctl diff "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" >"$SB_TMP/diff.out" || rc=$?
sb_assert_eq 1 "$rc" "diff exit code before the relay apply"
sb_assert_contains "$(cat "$SB_TMP/diff.out")" "sb-relay config: $SB_TMP/relay.toml does not exist; apply writes it" "diff"
apply "$SB_TMP/box.toml"
sb_assert_contains "$(cat "$SB_TMP/apply.out")" "sb-relay config $SB_TMP/relay.toml written" "apply output"
sb_assert_contains "$(cat "$SB_TMP/apply.err")" "warning: sb-relay is not running" "apply warnings"
sb_in "$srv" sb-relay --check --config "$SB_TMP/relay.toml" >"$SB_TMP/relay-check.out" ||
  sb_fail "sb-relay refuses sbctl's file: $(cat "$SB_TMP/relay-check.out")"
sb_assert_eq "ok: 3 relays" "$(cat "$SB_TMP/relay-check.out")" "sb-relay --check"
sb_assert_contains "$(cat "$SB_TMP/sbd.conf")" "jump-unix:$SB_TMP/relay/web-v2.sock" "sbd's table"

# The servers, in an isolated namespace with sb-relay: nginx expecting PROXY
# v1 and v2 headers, python without.
pl_nginx_conf "$SB_TMP/nginx.conf" "  log_format pp '\$proxy_protocol_addr \$server_port \"\$request\"';
  server {
    listen [::1]:8081 proxy_protocol;
    listen [::1]:8082 proxy_protocol;
    access_log $SB_TMP/pp.log pp;
    root $SB_TMP/www;
  }"
sb_bg nginx sb_in "$srv" nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
sb_wait_for 30 "nginx to listen" sb_in "$srv" curl -s -o /dev/null --haproxy-protocol "http://[::1]:8081/"
: >"$SB_TMP/pp.log"
sb_bg python sb_in "$srv" python3 -u -m http.server --bind 127.0.0.1 --directory "$SB_TMP/www" 8083
sb_wait_for 30 "python to serve" grep -q "Serving HTTP" "$SB_TMP/python.log"

sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
rl_relay relay "$srv" --config "$SB_TMP/relay.toml"

for i in 1 2; do
  sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:10]/")" "v1 request $i"
  sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:11]/")" "v2 request $i"
done
sb_assert_eq hello "$(pl_curl "http://192.0.2.10/")" "request without PROXY header"
sb_wait_for 10 "four nginx log lines" bash -c "(( \$(wc -l <'$SB_TMP/pp.log') >= 4 ))"
sb_assert_eq 2 "$(grep -c "^$SB_CLIENT6 8081 \"GET / " "$SB_TMP/pp.log")" "v1 lines naming $SB_CLIENT6: $(cat "$SB_TMP/pp.log")"
sb_assert_eq 2 "$(grep -c "^$SB_CLIENT6 8082 \"GET / " "$SB_TMP/pp.log")" "v2 lines naming $SB_CLIENT6: $(cat "$SB_TMP/pp.log")"
sb_wait_for 10 "python to log the request" grep -q '"GET / HTTP/1.1" 200' "$SB_TMP/python.log"

# explain: sbd sends it to sb-relay, which connects on with PROXY v2.
out=$(sbctl explain "$SB_TMP/box.toml" "fd01:db8:1:40::1:11" 80 --netns "$SB_NS_ROUTER")
sb_assert_contains "$out" "-> relay:tcp:[::1]:8082" "explain route"
sb_assert_contains "$out" "sbd sends it to unix:$SB_TMP/relay/web-v2.sock" "explain verdict"
sb_assert_contains "$out" "sb-relay at $SB_TMP/relay/web-v2.sock, which connects on to tcp:[::1]:8082 with PROXY v2" "explain relay"
out=$(sbctl explain "$SB_TMP/box.toml" 192.0.2.10:80 --netns "$SB_NS_ROUTER")
sb_assert_contains "$out" "sb-relay at $SB_TMP/relay/plain.sock, which connects on to tcp:127.0.0.1:8083 without a PROXY header" "explain without header"
j=$(sbctl explain "$SB_TMP/box.toml" "fd01:db8:1:40::1:10" 80 --netns "$SB_NS_ROUTER" --json)
sb_assert_eq "v1 tcp:[::1]:8081 $SB_TMP/relay/web-v1.sock" \
  "$(json_get "$j" "' '.join([j['route']['relay']['proxy'], j['route']['relay']['target'], j['route']['relay']['path']])")" "explain --json"

# status: the file in step, sb-relay reachable with its counters.
j=$(sbctl status --state-dir "$STATE" --json) || sb_fail "status: $j"
sb_assert_eq True "$(json_get "$j" "j['relay']['reachable']")" "status relay reachable"
sb_assert_eq in-step "$(json_get "$j" "j['relay']['config_state']")" "status relay config"
sb_assert_eq 2 "$(json_get "$j" "next(r['connected'] for r in j['relay']['status']['relays'] if r['path']=='$SB_TMP/relay/web-v2.sock')")" "status: v2 relay's connections"
sb_assert_eq 1 "$(json_get "$j" "next(r['accepted'] for r in j['relay']['status']['relays'] if r['target']=='tcp:127.0.0.1:8083')")" "status: plain relay's connections"
text=$(sbctl status --state-dir "$STATE")
sb_assert_contains "$text" "$SB_TMP/relay.toml in step" "status text: relay config"
sb_assert_contains "$text" "running, pid $RL_PID" "status text: sb-relay"
sb_assert_contains "$text" "$SB_TMP/relay/web-v1.sock" "status text: relay table"

# sb-relay refusing the new file fails the apply and changes nothing: the
# file, sbd's table and the generations are as they were, and it still relays.
before=$(cat "$SB_TMP/relay.toml" "$SB_TMP/sbd.conf")
rc=0
sbctl apply "$SB_TMP/unbindable.toml" --netns "$SB_NS_ROUTER" --state-dir "$STATE" >"$SB_TMP/bad.out" 2>&1 || rc=$?
sb_assert_eq 2 "$rc" "exit code of an apply sb-relay refuses ($(cat "$SB_TMP/bad.out"))"
sb_assert_contains "$(cat "$SB_TMP/bad.out")" "sb-relay refused the new config: " "refused apply"
sb_assert_contains "$(cat "$SB_TMP/bad.out")" "nothing was changed" "refused apply"
sb_assert_eq "$before" "$(cat "$SB_TMP/relay.toml" "$SB_TMP/sbd.conf")" "relay file and table after the refused apply"
sb_assert_eq 2 "$(ls "$STATE/generations" | wc -l)" "generations after the refused apply"
sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:11]/")" "v2 request after the refused apply"

# 3. A second profile drops the plain route: the file is rewritten and
# sb-relay reloaded (before sbd); the address is closed now.
gen_before=$(json_get "$(rl_status relay)" "j['generation']")
apply "$SB_TMP/two.toml"
sb_assert_contains "$(cat "$SB_TMP/apply.out")" "sb-relay reloaded (generation $((gen_before + 1)))" "second apply"
sb_assert_eq 2 "$(json_get "$(rl_status relay)" "len(j['relays'])")" "relays after the second apply"
sbctl diff "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" --json >"$SB_TMP/diff.json" || true
sb_assert_eq "True +path = \"$SB_TMP/relay/plain.sock\"" \
  "$(json_get "$(cat "$SB_TMP/diff.json")" "str(j['relay']['changed']) + ' ' + next(l for l in j['relay']['diff'] if 'plain.sock' in l)")" "diff --json of the relay file"
pl_curl "http://192.0.2.10/" >/dev/null 2>&1 && sb_fail "192.0.2.10 still answered after its route left"
sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:11]/")" "v2 request after the second apply"

# 4. Rollback: the file of generation 2 is back, sb-relay rereads it.
sbctl rollback --state-dir "$STATE" >"$SB_TMP/rollback.out" 2>&1 || sb_fail "rollback: $(cat "$SB_TMP/rollback.out")"
sb_assert_eq 3 "$(json_get "$(rl_status relay)" "len(j['relays'])")" "relays after the rollback"
sb_assert_eq hello "$(pl_curl "http://192.0.2.10/")" "plain request after the rollback"
sb_in "$srv" sb-relay --check --config "$SB_TMP/relay.toml" >/dev/null || sb_fail "restored file does not load"

# 5. No relay routes any more: sbctl's own file is emptied, sb-relay relays nothing.
apply "$SB_TMP/plain.toml"
sb_assert_contains "$(cat "$SB_TMP/relay.toml")" "no relay routes" "emptied relay file"
sb_assert_eq 0 "$(json_get "$(rl_status relay)" "len(j['relays'])")" "relays after the last relay route left"
sb_assert_eq in-step "$(json_get "$(sbctl status --state-dir "$STATE" --json)" "j['relay']['config_state']")" "status after emptying"

# 6. A relay route as a listener route: sb-relay gets the route's listening
# socket (through sbd) and accepts its connections itself; sbd sees none,
# and the PROXY header still names the real client.
apply "$SB_TMP/listen.toml"
sb_wait_for 10 "sb-relay to take the listening socket" grep -q "relay $SB_TMP/relay/web-v1.sock: took a listening socket (port 8005)" "$SB_TMP/relay.log"
accepted=$(json_get "$(sbd_ctl status)" "j['connections']['accepted']")
: >"$SB_TMP/pp.log"
for i in 1 2 3; do sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:10]/")" "v1 request $i through the listener"; done
sb_assert_eq hello "$(pl_curl "http://[fd01:db8:1:40::1:11]/")" "v2 request beside the listener route"
sb_assert_eq "$((accepted + 1))" "$(json_get "$(sbd_ctl status)" "j['connections']['accepted']")" "connections sbd accepted (only the v2 one)"
sb_wait_for 10 "nginx to log the v1 requests" bash -c "(( \$(grep -c '^$SB_CLIENT6 8081 ' '$SB_TMP/pp.log') >= 3 ))"
sb_pass
