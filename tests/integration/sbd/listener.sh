#!/usr/bin/env bash
# Listener hand-off mode, sbd's part: a table's `listener:LPORT jump-unix:PATH`
# line, the listening socket given to sbd with the control command `listener`
# (SCM_RIGHTS), sent to PATH, sent again when PATH is bound anew (new inode),
# listed in status, and closed by a reload whose table no longer names it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

ns=$(sb_netns sbl)
lport=18081
path=$SB_TMP/web.sock
tool=$SBD_DIR/listener_tool.py
table=$SB_TMP/t.conf
printf 'listener:%s jump-unix:%s\nrule-set:0\ndefault fail\n' "$lport" "$path" >"$table"
sbd_start "$ns" "$SB_TMP/sbd.ctl" -p 18080 -f "$table"

# listener_field PYTHON-EXPR: over the one listener status entry `l`.
listener_field() { json_get "$(sbd_ctl status)" "[$1 for l in j['listeners']][0]"; }

# Named in the table, not held yet.
sb_assert_eq "$lport False 0" "$(listener_field "f\"{l['port']} {l['held']} {l['delivered']}\"")" \
  "listener before the socket came"
# Without a descriptor, `listener` is refused.
sb_assert_contains "$(sbd_ctl listener)" \
  '{"ok":false,"error":"listener needs a listening socket attached","kind":"bad_arguments"}' \
  "listener without a descriptor"

# A receiver, then the socket: sbd sends it at once.
sb_bg recv1 sb_in "$ns" python3 "$tool" receive "$path" R1 20
sb_wait_for 10 "receiver 1 to bind" grep -q "^bound " "$SB_TMP/recv1.log"
answer=$(sb_in "$ns" python3 "$tool" send "$SB_TMP/sbd.ctl" "$lport")
sb_assert_eq "{\"ok\":true,\"port\":$lport}" "$answer" "listener answer"
sb_wait_for 10 "receiver 1 to get the listening socket" grep -q "^LISTENING port=$lport" "$SB_TMP/recv1.log"
got=$(sb_in "$ns" python3 "$SBD_DIR/client.py" ::ffff:127.0.0.1 "$lport")
sb_assert_eq "listener=R1" "$got" "a connection to port $lport, accepted by receiver 1"
sb_wait_for 10 "receiver 1 to exit" bash -c "grep -q ACCEPTED '$SB_TMP/recv1.log'"

# The server restarts: binds the path anew (a new inode); sbd sends it again.
sb_bg recv2 sb_in "$ns" python3 "$tool" receive "$path" R2 20
sb_wait_for 10 "receiver 2 to get the listening socket again" grep -q "^LISTENING port=$lport" "$SB_TMP/recv2.log"
got=$(sb_in "$ns" python3 "$SBD_DIR/client.py" ::ffff:127.0.0.1 "$lport")
sb_assert_eq "listener=R2" "$got" "a connection to port $lport, accepted by receiver 2"
sb_wait_for 10 "receiver 2 to exit" bash -c "grep -q ACCEPTED '$SB_TMP/recv2.log'"

status=$(sbd_ctl status)
sb_assert_eq "1" "$(json_get "$status" "len(j['listeners'])")" "listeners listed"
sb_assert_eq "$lport $path True ''" \
  "$(json_get "$status" "(lambda l: f\"{l['port']} {l['path']} {l['held']} {l['last_error']!r}\")(j['listeners'][0])")" \
  "the listener in status"
sb_assert_eq True "$(json_get "$status" "j['listeners'][0]['delivered'] >= 2")" "delivered at least twice"
sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "listener $lport: $path was bound anew" "sbd's log"

# A reload without the line: sbd closes its copy, the last one. Nobody
# listens on the port any more.
printf 'rule-set:0\ndefault fail\n' >"$table"
sb_assert_eq '{"ok":true,"generation":2}' "$(sbd_ctl reload)" "reload answer"
sb_assert_eq 0 "$(json_get "$(sbd_ctl status)" "len(j['listeners'])")" "listeners after the reload"
sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "listener $lport: no table line names it; closing" "sbd's log"
sb_assert_eq REFUSED "$(sb_in "$ns" python3 "$SBD_DIR/client.py" ::ffff:127.0.0.1 "$lport" 3)" \
  "a connection to port $lport once sbd closed the socket"

sbd_stop
sb_pass
