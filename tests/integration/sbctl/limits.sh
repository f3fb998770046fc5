#!/usr/bin/env bash
# Per-source limits in the kernel: real clients from two source prefixes
# (two IPv6 /64s, two IPv4 /24s). Over max_conn_per_source, and over
# rate_per_source, prefix A's next connection is refused while prefix B is
# untouched; status counts every refusal exactly; rollback and down leave
# no limit set or rule behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
srv=$(sb_netns srv)
c=$SB_NS_CLIENT
r=$SB_NS_ROUTER
mkdir -p "$SB_TMP/vm7" "$SB_TMP/nat64"
# The routes limited connections go to hold them open (a closed connection
# no longer counts).
receiver_start "$srv" "$SB_TMP/vm7/sb-00443" nginx --hold
receiver_start "$srv" "$SB_TMP/v4.sock" v4 --hold
receiver_start "$srv" "$SB_TMP/vm7/apache-00443" apache
receiver_start "$srv" "$SB_TMP/vm7/sshd_socket" sshd
receiver_start "$srv" "$SB_TMP/nat64/nat64.sock" nat64

# Prefix A: fd00:c::/64 (three addresses) and 10.99.0.0/24 (two);
# prefix B: fd00:d::/64 and 10.99.1.0/24, routed back through the client.
for a in fd00:c::3 fd00:c::4 fd00:d::2; do ip -n "$c" addr add "$a/64" dev "c$SB_ID" nodad; done
ip -n "$c" addr add 10.99.0.3/24 dev "c$SB_ID"
ip -n "$c" addr add 10.99.1.2/24 dev "c$SB_ID"
ip -n "$r" route add fd00:d::/64 via "$SB_CLIENT6"
ip -n "$r" route add 10.99.1.0/24 via "$SB_CLIENT4"

CLIENT_PY="$SBCTL_DIR/limits_client.py"
# try SRC DST PORT [COUNT]: the words of limits_client.py on one line.
try() { sb_in "$c" python3 "$CLIENT_PY" "$@" | tr '\n' ' ' | sed 's/ $//'; }
# hold NAME SRC DST PORT COUNT: COUNT connections kept open in the background.
hold() {
  local name=$1 count=$5
  shift
  sb_bg "$name" sb_in "$c" python3 "$CLIENT_PY" "$@" --hold
  sb_wait_for 10 "$name to hold its connections" grep -q HOLDING "$SB_TMP/$name.log"
  sb_assert_eq "$(for _ in $(seq "$count"); do echo CONNECTED; done; echo HOLDING)" "$(cat "$SB_TMP/$name.log")" "$name"
}
# with_limits FILE KEYS...: write_profile's profile with KEYS in its [[steer]] block.
with_limits() {
  local file=$1
  shift
  write_profile "$file"
  python3 - "$file" "$@" <<'PY'
import sys
path, keys = sys.argv[1], sys.argv[2:]
text = open(path).read()
text = text.replace("ports    = [22, 80, 443]\n", "ports    = [22, 80, 443]\n" + "".join(k + "\n" for k in keys), 1)
open(path, "w").write(text)
PY
}
status_json() { sbctl status --state-dir "$STATE" --json || true; }
trips() { json_get "$(status_json)" "' '.join('%s:%s=%d' % (t['family'], t['limit'], t['count']) for l in j['kernel']['limits'] for t in l['tripped'])"; }
nft_list() { ip netns exec "$r" nft list table inet socketbox 2>/dev/null || echo "no table"; }

# Generation 1: no limits.
write_profile "$SB_TMP/a.toml"
sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>"$SB_TMP/apply1.err" ||
  sb_fail "apply a failed: $(cat "$SB_TMP/apply1.err")"
sbd_start "$r" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"

# Generation 2: at most 3 connections per source /64 and per source /24.
with_limits "$SB_TMP/b.toml" "max_conn_per_source = 3" "source_prefix4 = 24"
sbctl check "$SB_TMP/b.toml" >/dev/null || sb_fail "check of b failed"
rc=0
out=$(sbctl diff "$SB_TMP/b.toml" --netns "$r") || rc=$?
sb_assert_eq 1 "$rc" "diff exit code before applying limits"
sb_assert_contains "$out" "+ nft limits in steer 0: max 3 connections per source /64 (IPv6), /24 (IPv4)" "diff of b"
sb_assert_contains "$(sbctl compile --nft "$SB_TMP/b.toml")" \
  "ct state new add @s0c6 { ip6 saddr & ffff:ffff:ffff:ffff:: ct count over 3 } counter packets 0 bytes 0 reject with tcp reset" "compile --nft"
sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>"$SB_TMP/apply2.err" ||
  sb_fail "apply b failed: $(cat "$SB_TMP/apply2.err")"
sb_assert_eq "ip6:max_conn=0 ip:max_conn=0" "$(trips)" "trip counters after apply"

p=fd01:db8:1:40
# Prefix A holds 3 IPv6 connections from two of its addresses.
hold holdA6a fd00:c::2 "$p::1:10" 443 2
hold holdA6b fd00:c::3 "$p::1:10" 443 1
sb_wait_for 10 "nginx to hold 3 connections" bash -c "[[ \$(grep -c '^box=nginx' '$SB_TMP/recv-nginx.log') == 3 ]]"
# A third address of prefix A is refused, and so is the first again.
sb_assert_eq REFUSED "$(try fd00:c::4 "$p::1:10" 443)" "4th connection from prefix A (fd00:c::4)"
sb_assert_eq REFUSED "$(try fd00:c::2 "$p::1:10" 443)" "5th connection from prefix A (fd00:c::2)"
# Prefix B is untouched: its 3 connections pass (and close).
sb_assert_eq "CONNECTED CONNECTED CONNECTED" "$(try fd00:d::2 "$p::1:11" 443 3)" "prefix B"
# IPv4: 3 held from 10.99.0.2, 10.99.0.3 (same /24) refused, 10.99.1.2 passes.
hold holdA4 10.99.0.2 192.0.2.9 80 3
sb_assert_eq REFUSED "$(try 10.99.0.3 192.0.2.9 80)" "4th IPv4 connection from prefix A"
sb_assert_eq CONNECTED "$(try 10.99.1.2 192.0.2.9 80)" "IPv4 prefix B"
sb_wait_for 10 "the v4 receiver to see 4 connections (3 held, 1 of B, none refused)" \
  bash -c "[[ \$(grep -c '^box=v4' '$SB_TMP/recv-v4.log') == 4 ]]"

# status: in step (the sets' elements are no drift), exact trip counts.
status=$(status_json)
sb_assert_eq True "$(json_get "$status" "j['kernel']['in_step']")" "status in step with limits tripping"
sb_assert_eq "ip6:max_conn=2 ip:max_conn=1" "$(trips)" "trip counters"
text=$(sbctl status --state-dir "$STATE" || true)
sb_assert_contains "$text" "steer 0: max 3 connections per source /64 (IPv6), /24 (IPv4)" "status text"
sb_assert_contains "$text" "ip6 max_conn tripped 2, ip max_conn tripped 1" "status text"
metrics=$(sbctl metrics --state-dir "$STATE" --netns "$r" 2>/dev/null || true)
sb_assert_contains "$metrics" 'socketbox_sbctl_limit_tripped_total{steer="0",limit="max_conn_ip6"} 2' "metrics"
sb_assert_contains "$metrics" 'socketbox_sbctl_limit_tripped_total{steer="0",limit="max_conn_ip"} 1' "metrics"
out=$(sbctl explain "$SB_TMP/b.toml" "$p::1:10" 443 --from fd00:c::4 --netns "$r")
sb_assert_contains "$out" "limits   max 3 connections per source /64 (IPv6), /24 (IPv4); this client counts as source fd00:c::/64" "explain"

# Generation 3: no connection limit, 1 new connection per hour per source after a burst of 3.
with_limits "$SB_TMP/c.toml" 'rate_per_source = "1/hour"' "rate_burst = 3"
rc=0
out=$(sbctl diff "$SB_TMP/c.toml" --netns "$r") || rc=$?
sb_assert_contains "$out" "~ nft limits in steer 0: max 3 connections per source /64 (IPv6), /24 (IPv4) -> rate 1/hour burst 3 per source /64 (IPv6), /32 (IPv4)" "diff of c"
sbctl apply "$SB_TMP/c.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>"$SB_TMP/apply3.err" ||
  sb_fail "apply c failed: $(cat "$SB_TMP/apply3.err")"
sb_assert_eq "ip6:rate=0 ip:rate=0" "$(trips)" "trip counters after apply c"
sb_assert_eq "CONNECTED CONNECTED CONNECTED REFUSED" "$(try fd00:c::2 "$p::1:11" 443 4)" "prefix A over its rate"
sb_assert_eq REFUSED "$(try fd00:c::3 "$p::1:11" 443)" "prefix A from another address"
sb_assert_eq "CONNECTED CONNECTED" "$(try fd00:d::2 "$p::1:11" 443 2)" "prefix B under its rate"
sb_assert_eq "CONNECTED CONNECTED CONNECTED REFUSED" "$(try 10.99.0.3 192.0.2.9 80 4)" "IPv4 source over its rate"
sb_assert_eq CONNECTED "$(try 10.99.0.2 192.0.2.9 80)" "another IPv4 /32 under its rate"
sb_assert_eq True "$(json_get "$(status_json)" "j['kernel']['in_step']")" "status in step after rate trips"
sb_assert_eq "ip6:rate=2 ip:rate=1" "$(trips)" "rate trip counters"

# Rollback to generation 2: the connection limit only; to 1: no limits at all.
sbctl rollback --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "rollback to 2 failed"
listing=$(nft_list)
sb_assert_contains "$listing" "set s0c6" "connection-limit set after rollback to 2"
[[ $listing != *s0r6* && $listing != *"limit rate"* ]] || sb_fail "rate limit left after rollback to 2: $listing"
sb_assert_eq "ip6:max_conn=0 ip:max_conn=0" "$(trips)" "trip counters after rollback to 2"
sbctl rollback --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "rollback to 1 failed"
listing=$(nft_list)
[[ $listing != *dynamic* && $listing != *reject* && $listing != *"ct count"* ]] ||
  sb_fail "limits left after rollback to 1: $listing"
sb_assert_eq 0 "$(sbctl diff "$SB_TMP/a.toml" --netns "$r" >/dev/null && echo 0 || echo $?)" "diff of a after rollback"
sb_assert_eq "" "$(trips)" "no limits in status after rollback to 1"

# down, from a limited generation: nothing of socketbox's is left.
sbctl apply "$SB_TMP/c.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "apply c again failed"
sb_assert_contains "$(nft_list)" "set s0r6" "rate set before down"
sbctl down "$SB_TMP/c.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "down failed"
sb_assert_eq "no table" "$(nft_list)" "socketbox's nft table after down"
sb_pass
