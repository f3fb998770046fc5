#!/usr/bin/env bash
# profiles/seed-split-horizon.toml, applied with one `sbctl apply` in a
# router namespace, behaves as the seed's transcript shows (paths moved
# under the test's temporary directory, nothing else changed).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
srv=$(sb_netns srv)
mkdir -p "$SB_TMP/vm7" "$SB_TMP/nat64"
receiver_start "$srv" "$SB_TMP/vm7/sb-00443" nginx
receiver_start "$srv" "$SB_TMP/vm7/apache-00443" apache
receiver_start "$srv" "$SB_TMP/vm7/sshd_socket" sshd
receiver_start "$srv" "$SB_TMP/nat64/nat64.sock" nat64
sed -e "s|\"unix:/|\"unix:$SB_TMP/|" \
  -e "s|/etc/socketbox/sbd.conf|$SB_TMP/sbd.conf|" \
  -e "s|/run/socketbox/sbd.ctl|$SB_TMP/sbd.ctl|" \
  "$SB_SOURCE_DIR/profiles/seed-split-horizon.toml" >"$SB_TMP/seed.toml"

sbctl check --strict "$SB_TMP/seed.toml" >/dev/null || sb_fail "the seed profile does not check clean"
# sbd first this time: apply reloads it.
cat >"$SB_TMP/sbd.conf" <<'T'
rule-set:0
default fail
T
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/sbd.conf"
out=$(sbctl apply "$SB_TMP/seed.toml" --netns "$SB_NS_ROUTER" --state-dir "$STATE" 2>&1) || sb_fail "apply failed: $out"
sb_assert_contains "$out" "sbd reloaded (table generation 2)" "apply output"
sb_assert_eq "ip6 daddr fd01:db8:1:40::/64 tcp dport 22,443,80 -> tproxy ip6 ::ffff:127.0.0.1:1" \
  "$(nft_summary "$SB_NS_ROUTER")" "nft table inet socketbox"

# The seed's transcript.
p=fd01:db8:1:40
expect_box "$p::1:10" 22 sshd        # ssh root@fd01:db8:1:40::1:10 -> a shell
expect_reset "$p::1:11" 22           # kex_exchange_identification: Connection closed
expect_reset "$p::1:f" 22
expect_reset "$p::1:0" 22
expect_reset "$p::1:f" 443           # wget: Unable to establish SSL connection
expect_box "$p::1:10" 443 nginx      # certificate of vm7's nginx
expect_box "$p::1:11" 443 apache     # certificate of vm7's apache
expect_reset "$p::1:12" 443
expect_reset "$p::1:1f" 443
expect_reset "$p::1234:5678" 443
expect_box "$p:0:64::a" 80 nat64     # the NAT64 range's web traffic
expect_box "$p:0:64::b" 443 nat64
sb_pass
