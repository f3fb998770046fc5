#!/usr/bin/env bash
# sb-relay from a config file, as an unprivileged user under seccomp:
# SIGHUP and the control socket's "reload" add and remove relays while a
# connection through a removed one keeps working; a broken file is refused
# with file:line:column and changes nothing; SIGTERM stops it. Also the
# command line's user errors and --version.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../preload/helpers.sh"
. "$(dirname "$0")/relay_helpers.sh"
sb_require_root
pl_require_cmd python3 socat

# User errors: one line, exit 2.
rc=0
out=$(sb-relay "$SB_TMP/x.sock" tcp:localhost:80 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "exit code for a bad target"
sb_assert_eq 1 "$(wc -l <<<"$out")" "lines for a bad target"
sb_assert_contains "$out" "bad target 'tcp:localhost:80'"
sb_assert_contains "$(sb-relay --version)" "sb-relay "

sb_topology
srv=$(pl_server_ns srv)
dir=$SB_TMP/rl
# Set-group-ID, as /run/socketbox is: sockets made after the drop keep a
# group sbd (gid 0 here, without capabilities) may write with.
install -d -o nobody -g root -m 2775 "$dir"
pl_dispatch "fd01:db8:1:40::1:10=$dir/a.sock" "fd01:db8:1:40::1:11=$dir/b.sock" \
  "fd01:db8:1:40::1:12=$dir/c.sock"
rl_peer_bg echo "$srv" echo-server ::1 7001
conf=$SB_TMP/relay.toml
write_conf() {
  : >"$conf"
  local p
  for p in "$@"; do printf '[[relay]]\npath = "%s"\ntarget = "tcp:[::1]:7001"\n\n' "$dir/$p.sock" >>"$conf"; done
}
write_conf a b
rl_relay relay "$srv" --config "$conf" --user nobody --seccomp
status=/proc/$RL_PID/status
sb_assert_eq "$(id -u nobody)" "$(awk '/^Uid:/ {print $2}' "$status")" "uid"
sb_assert_eq 0000000000000000 "$(awk '/^CapEff:/ {print $2}' "$status")" "effective capabilities"
sb_assert_eq 1 "$(awk '/^NoNewPrivs:/ {print $2}' "$status")" "no_new_privs"
sb_assert_eq 2 "$(awk '/^Seccomp:/ {print $2}' "$status")" "seccomp mode"

echo_ok() { rl_peer "$SB_NS_CLIENT" echo-client "fd01:db8:1:40::1:$1" 80 100000 >/dev/null; }
echo_ok 10 || sb_fail "relay a"
echo_ok 11 || sb_fail "relay b"
sb_bg holder rl_peer "$SB_NS_CLIENT" hold-clients fd01:db8:1:40::1:11 80 1 "$SB_TMP/ready" "$SB_TMP/done"
sb_wait_for 30 "a connection held through b" test -e "$SB_TMP/ready"

# SIGHUP: b goes, c comes.
write_conf a c
kill -HUP "$RL_PID"
sb_wait_for 10 "the reload" grep -q "reloaded: serving 2 relays" "$SB_TMP/relay.log"
echo_ok 12 || sb_fail "relay c after the reload"
echo_ok 10 || sb_fail "relay a after the reload"
test -e "$dir/b.sock" && sb_fail "b's receiving socket is still there"
touch "$SB_TMP/done"
sb_wait_for 30 "the held connection to echo after the reload" grep -q closed "$SB_TMP/holder.log"

# A broken file: refused with its position, nothing changes.
printf '[[relay]]\npath = "%s"\ntarget = "tcp:nowhere:1"\n' "$dir/d.sock" >"$conf"
kill -HUP "$RL_PID"
sb_wait_for 10 "the refused reload" grep -q "reload failed" "$SB_TMP/relay.log"
grep -q "reload failed.*$conf:3:10: error: bad target" "$SB_TMP/relay.log" ||
  sb_fail "no file:line:column: $(grep 'reload failed' "$SB_TMP/relay.log")"
echo_ok 12 || sb_fail "relay c after a refused reload"
out=$(printf 'reload\n' | socat -t 5 - "UNIX-CONNECT:$SB_TMP/relay.ctl")
sb_assert_contains "$out" '"ok":false' "control reload of a broken file"
sb_assert_contains "$out" "$conf:3:10" "control reload of a broken file"
rc=0
sb-relay --check --config "$conf" 2>/dev/null || rc=$?
sb_assert_eq 2 "$rc" "--check of a broken file"

write_conf b
out=$(printf 'reload\n' | socat -t 5 - "UNIX-CONNECT:$SB_TMP/relay.ctl")
sb_assert_contains "$out" '"ok":true' "control reload"
echo_ok 11 || sb_fail "relay b back after the control reload"
sb_assert_contains "$(rl_status relay)" "\"path\":\"$dir/b.sock\"" "status"

kill -TERM "$RL_PID"
sb_wait_for 10 "sb-relay to stop" sh -c "! kill -0 $RL_PID"
grep -q "sb-relay: stopping" "$SB_TMP/relay.log" || sb_fail "no stopping line"
grep -q "Operation not permitted" "$SB_TMP/relay.log" && sb_fail "seccomp refused a call: $(cat "$SB_TMP/relay.log")"
sb_pass
