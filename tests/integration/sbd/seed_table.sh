#!/usr/bin/env bash
# The seed's own table, loaded verbatim, dispatches exactly as the seed's
# transcript shows. Its jump-unix paths are absolute (/vm7/..., /nat64/...),
# so sbd runs chrooted (-x) into a test directory that holds them; this also
# covers the chroot and the privilege drop (CapEff 0, NoNewPrivs 1).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
root=$SB_TMP/root
mkdir -p "$root/vm7" "$root/nat64"
cp "$SB_SOURCE_DIR/tests/data/seed.conf" "$SB_TMP/seed.conf"

receiver_start "$srv" "$root/vm7/sshd_socket" sshd
receiver_start "$srv" "$root/vm7/sb-00443" sb443
receiver_start "$srv" "$root/vm7/apache-00443" apache
receiver_start "$srv" "$root/nat64/nat64.sock" nat64

sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -l ::ffff:127.0.0.1 -p 1 -f "$SB_TMP/seed.conf" -x "$root"

p=fd01:db8:1:40
# ssh: only ::1:10 has a box
expect_box "$p::1:10" 22 sshd
expect_reset "$p::1:11" 22
expect_reset "$p::1:f" 22
expect_reset "$p::1:0" 22
# https: ::1:10 and ::1:11 have boxes, the rest is closed
expect_box "$p::1:10" 443 sb443
expect_box "$p::1:11" 443 apache
for a in "$p::1:f" "$p::1:12" "$p::1:1f" "$p::1234:5678"; do expect_reset "$a" 443; done
# the NAT64 prefix: ports 80 and 443 of ...:64::/96 go to nat64.sock
expect_box "$p:0:64:c000:201" 80 nat64
expect_box "$p:0:64:a00:1" 443 nat64
expect_reset "$p:0:64:c000:201" 22
# port 80 outside the NAT64 prefix matches no rule
expect_reset "$p::1:10" 80

# The receiver sees the real destination address too.
got=$(client "$p::1:11" 443)
sb_assert_contains "$got" "local=$p::1:11 port=443" "apache's view"

status=$(sbd_ctl status)
sb_assert_eq 6 "$(json_get "$status" "j['connections']['dispatched']")" "dispatched"
sb_assert_eq 9 "$(json_get "$status" "j['connections']['no_match']")" "no_match"
sb_assert_eq 0 "$(json_get "$status" "j['connections']['failed']")" "failed"
sb_assert_eq 2 "$(target_counter /nat64/nat64.sock sent)" "nat64 sent"

# Once serving, sbd holds no capabilities and cannot gain any.
sbd_pid=$(json_get "$status" "j['pid']")
sb_assert_eq 0000000000000000 "$(awk '/^CapEff:/ {print $2}' "/proc/$sbd_pid/status")" CapEff
sb_assert_eq 0000000000000000 "$(awk '/^CapBnd:/ {print $2}' "/proc/$sbd_pid/status")" CapBnd
sb_assert_eq 1 "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$sbd_pid/status")" NoNewPrivs
# Chrooted, sbd leaves its control socket (the path means another file now).
SBD_KEEPS_CTL=1 sbd_stop
sb_pass
