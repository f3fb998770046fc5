#!/usr/bin/env bash
# sbctl reload, as systemctl reload sbd runs it: exit 0 and the new table
# generation when sbd loads the table; exit 2 with sbd's file:line:column
# error (one line) when it does not, the old table still serving; exit 2
# when no sbd answers at the control socket.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/a.sock" A
receiver_start "$srv" "$SB_TMP/b.sock" B
table=$SB_TMP/t.conf
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$table"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"
run() {
  RC=0
  "$@" >"$SB_TMP/out" 2>"$SB_TMP/err" || RC=$?
}

printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/b.sock" >"$table"
run sbctl reload --control "$SB_TMP/sbd.ctl"
sb_assert_eq 0 "$RC" "sbctl reload of a good table"
sb_assert_eq "sbd reloaded its table (generation 2)" "$(cat "$SB_TMP/out")" "sbctl reload's output"
expect_box fd01:db8:1:40::1 80 B

printf 'rule-set:0\nnot a rule\n' >"$table"
run sbctl reload --control "$SB_TMP/sbd.ctl"
sb_assert_eq 2 "$RC" "sbctl reload of a broken table"
sb_assert_eq 1 "$(wc -l <"$SB_TMP/err")" "lines on stderr"
sb_assert_contains "$(cat "$SB_TMP/err")" "sbctl: error: sbd refused the table; the old one stays in service: $table:2:1: error:" "sbctl reload's error"
[[ ! -s $SB_TMP/out ]] || sb_fail "sbctl reload printed on stdout: $(cat "$SB_TMP/out")"
expect_box fd01:db8:1:40::1 80 B
sb_assert_eq 2 "$(json_get "$(sbd_ctl status)" "j['generation']")" "the generation after a refused table"

run sbctl reload --control "$SB_TMP/nobody.ctl"
sb_assert_eq 2 "$RC" "sbctl reload with no sbd"
sb_assert_eq 1 "$(wc -l <"$SB_TMP/err")" "lines on stderr"
sb_assert_contains "$(cat "$SB_TMP/err")" "sbctl: error: sbd is not running at $SB_TMP/nobody.ctl" "sbctl reload's error"
sbd_stop
sb_pass
