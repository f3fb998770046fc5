#!/usr/bin/env bash
# After binding, sbd runs as the -u user with exactly the -G groups, holds no
# capabilities (not even in the bounding set), has no_new_privs, and under
# --seccomp still serves, reloads and answers status. The control socket stays
# root's (mode 0660; its group is the directory's), so sbd needs no CAP_CHOWN
# and cannot open it up to others once it runs as its user.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root
getent passwd nobody >/dev/null || sb_skip "no user 'nobody'"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/group.sock" A
chgrp 4242 "$SB_TMP/group.sock"      # reachable through the supplementary group
receiver_start "$srv" "$SB_TMP/root.sock" B   # root:root 0660: not for nobody
table=$SB_TMP/t.conf
echo "rule-set:0
port:22 jump-unix:$SB_TMP/group.sock
port:80 jump-unix:$SB_TMP/root.sock" >"$table"
chmod 644 "$table"
# A set-group-ID directory gives the control socket its group, as
# /run/socketbox (socketbox-access) does under systemd.
mkdir -m 2755 "$SB_TMP/run"
chgrp 4242 "$SB_TMP/run"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/run/sbd.ctl" -t -p 1 -f "$table" -u nobody -G 4242 --seccomp
pid=$(json_get "$(sbd_ctl status)" "j['pid']")
st=/proc/$pid/status

sb_assert_eq "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")" "Uid"
sb_assert_eq "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$st")" "Gid"
sb_assert_eq 4242 "$(awk '/^Groups:/ {print $2}' "$st")" "Groups"
for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
  sb_assert_eq 0000000000000000 "$(awk "/^$cap:/ {print \$2}" "$st")" "$cap"
done
sb_assert_eq 1 "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" NoNewPrivs
sb_assert_eq 2 "$(awk '/^Seccomp:/ {print $2}' "$st")" "Seccomp (filter mode)"
sb_assert_eq "660 0 4242" "$(stat -c '%a %u %g' "$SBD_CTL")" "control socket mode, owner, group"

expect_box fd01:db8:1:40::1 22 A
expect_reset fd01:db8:1:40::1 80
sb_assert_eq 1 "$(target_counter "$SB_TMP/root.sock" other)" "root.sock: permission denied counts as other"
sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "root.sock: Permission denied; connection reset" "sbd's log"

# Reloads still read the table as the new user, inside the seccomp filter.
echo "rule-set:0
default jump-unix:$SB_TMP/group.sock" >"$table"
sb_assert_eq '{"ok":true,"generation":2}' "$(sbd_ctl reload)" "reload as nobody"
expect_box fd01:db8:1:40::1 80 A
# As nobody, sbd cannot remove its socket from root's directory.
SBD_KEEPS_CTL=1 sbd_stop
sb_pass
