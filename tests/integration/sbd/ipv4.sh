#!/usr/bin/env bash
# IPv4 through the same dual-stack socket: a dotted-quad table entry and a
# mapped one both match, the receiver sees the client's real IPv4 address.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/a.sock" A
receiver_start "$srv" "$SB_TMP/b.sock" B
receiver_start "$srv" "$SB_TMP/v6.sock" V6
cat >"$SB_TMP/t.conf" <<T
rule-set:0
ip:192.0.2.10 port:80 jump-unix:$SB_TMP/a.sock
ip:::ffff:192.0.2.0/120 port:443 jump-unix:$SB_TMP/b.sock
ip:fd01:db8:1:40::/64 jump-unix:$SB_TMP/v6.sock
T
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf"

got=$(client 192.0.2.10 80)
sb_assert_eq "box=A peer=::ffff:$SB_CLIENT4 local=::ffff:192.0.2.10 port=80" "$got" "192.0.2.10:80"
got=$(client 192.0.2.77 443)
sb_assert_eq "box=B peer=::ffff:$SB_CLIENT4 local=::ffff:192.0.2.77 port=443" "$got" "192.0.2.77:443"
sb_assert_eq RESET "$(client 192.0.2.10 22 3)" "192.0.2.10:22 (no rule)"
sb_assert_eq RESET "$(client 192.0.2.11 80 3)" "192.0.2.11:80 (no rule)"
# IPv6 on the same socket still works.
expect_box fd01:db8:1:40::99 22 V6
sbd_stop
sb_pass
