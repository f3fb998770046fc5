#!/usr/bin/env bash
# sbctl drain/undrain: a failover route's connections go to the rest of its
# list, or to --to, and back; each step is a generation that sbd reloads
# and that rollback undoes. Mistakes are one line, exit 2, nothing changed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
srv=$(sb_netns srv)
for x in A B C; do receiver_start "$srv" "$SB_TMP/$x.sock" "$x"; done
cat >"$SB_TMP/box.toml" <<P
[daemon]
table   = "$SB_TMP/sbd.conf"
control = "$SB_TMP/sbd.ctl"

[[steer]]
prefixes = ["fd01:db8:1:40::/64"]
ports    = [80]

[[route]]
name = "web"
dest = "fd01:db8:1:40::1"
port = 80
to   = ["unix:$SB_TMP/A.sock", "unix:$SB_TMP/B.sock"]
P
sbctl apply "$SB_TMP/box.toml" --netns "$r" --state-dir "$STATE" --yes >/dev/null 2>&1
sbd_start "$r" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
expect_box fd01:db8:1:40::1 80 A

run() {
  RC=0
  "$@" >"$SB_TMP/out" 2>"$SB_TMP/err" || RC=$?
}
run sbctl drain web --state-dir "$STATE"
sb_assert_eq 0 "$RC" "drain: $(cat "$SB_TMP/err")"
sb_assert_eq "drained generation 2: route 'web' -> unix:$SB_TMP/B.sock, sbd reloaded" "$(cat "$SB_TMP/out")" "drain's output"
grep -q "^ip:fd01:db8:1:40::1 port:80 jump-unix:$SB_TMP/B.sock\$" "$SB_TMP/sbd.conf" || sb_fail "drained table: $(cat "$SB_TMP/sbd.conf")"
expect_box fd01:db8:1:40::1 80 B
# diff names the drain that an apply of the profile would end.
run sbctl diff "$SB_TMP/box.toml" --netns "$r" --state-dir "$STATE"
sb_assert_eq 1 "$RC" "diff while drained: $(cat "$SB_TMP/err")"
sb_assert_contains "$(cat "$SB_TMP/out")" "~ route 'web' is drained (to the rest of its list); apply ends the drain" "diff's drains"
run sbctl diff "$SB_TMP/box.toml" --netns "$r" --state-dir "$STATE" --json
sb_assert_eq "web" "$(json_get "$(cat "$SB_TMP/out")" "j['drains_ended'][0]['route']")" "diff --json's drains"

run sbctl drain web --to "unix:$SB_TMP/C.sock" --state-dir "$STATE"
sb_assert_eq 0 "$RC" "drain --to: $(cat "$SB_TMP/err")"
expect_box fd01:db8:1:40::1 80 C

run sbctl undrain web --state-dir "$STATE"
sb_assert_eq 0 "$RC" "undrain: $(cat "$SB_TMP/err")"
sb_assert_eq "undrained generation 4: route 'web' -> [\"unix:$SB_TMP/A.sock\", \"unix:$SB_TMP/B.sock\"], sbd reloaded" "$(cat "$SB_TMP/out")" "undrain's output"
expect_box fd01:db8:1:40::1 80 A
run sbctl diff "$SB_TMP/box.toml" --netns "$r" --state-dir "$STATE"
sb_assert_eq 0 "$RC" "diff after undrain: $(cat "$SB_TMP/out")"

# Rollback undoes the undrain: back to C.
sbctl rollback --state-dir "$STATE" >/dev/null 2>&1
expect_box fd01:db8:1:40::1 80 C
kinds=$(sbctl generations --state-dir "$STATE" --json | python3 -c 'import json,sys; print(" ".join(g["kind"] for g in json.load(sys.stdin)["generations"]))')
sb_assert_eq "apply drain drain undrain" "$kinds" "the generations' kinds"

# Mistakes: one line, exit 2, the table untouched.
before=$(cat "$SB_TMP/sbd.conf")
run sbctl drain nope --state-dir "$STATE"
sb_assert_eq 2 "$RC" "drain of an unknown route"
sb_assert_eq "sbctl: error: no route named 'nope' in $SB_TMP/box.toml" "$(cat "$SB_TMP/err")" "its error"
run sbctl drain web --to "relay:tcp:[::1]:80" --state-dir "$STATE"
sb_assert_eq "sbctl: error: --to must be \"unix:/PATH\", got 'relay:tcp:[::1]:80'" "$(cat "$SB_TMP/err")" "drain --to relay"
sbctl undrain web --state-dir "$STATE" >/dev/null 2>&1
run sbctl undrain web --state-dir "$STATE"
sb_assert_eq 2 "$RC" "undrain of a route not drained"
sb_assert_contains "$(cat "$SB_TMP/err")" "sbctl: error: route 'web' is not drained" "its error"
expect_box fd01:db8:1:40::1 80 A
sbd_stop
sb_pass
