#!/usr/bin/env bash
# sbctl status names each object that drifted from the applied generation
# (the table, a rule, a set, a route) and exits 1 on drift, 0 in step, 2
# when it cannot read the kernel; --json carries the same list.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

r=$(sb_netns sbs)
write_profile "$SB_TMP/a.toml"
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply failed: $out"

status_rc() {
  local rc=0
  sbctl status --state-dir "$STATE" --control "$SB_TMP/none.ctl" "$@" >"$SB_TMP/status.out" 2>&1 || rc=$?
  echo "$rc"
}
sb_assert_eq 0 "$(status_rc)" "status in step ($(cat "$SB_TMP/status.out"))"
sb_assert_contains "$(cat "$SB_TMP/status.out")" "in step with generation 1" "status in step"

# One rule removed by hand: the IPv6 one.
handle=$(ip netns exec "$r" nft -a list chain inet socketbox prerouting | sed -n 's/.*ip6 daddr @s06 .*# handle \([0-9]*\)$/\1/p')
[[ -n $handle ]] || sb_fail "no IPv6 rule in: $(ip netns exec "$r" nft -a list chain inet socketbox prerouting)"
ip netns exec "$r" nft delete rule inet socketbox prerouting handle "$handle"
rule='nft rule iif != "lo" ip6 daddr @s06 tcp dport @s0p tproxy ip6 to [::ffff:127.0.0.1]:1 accept'
sb_assert_eq 1 "$(status_rc)" "status exit code after deleting a rule"
sb_assert_contains "$(cat "$SB_TMP/status.out")" "drift: missing: $rule" "status text"
json=$(sbctl status --state-dir "$STATE" --control "$SB_TMP/none.ctl" --json || true)
sb_assert_eq False "$(json_get "$json" "j['kernel']['in_step']")" "status --json in_step"
sb_assert_eq "['missing: $rule']" "$(json_get "$json" "j['kernel']['drift']")" "status --json drift"

# A set element and a route changed by hand.
ip netns exec "$r" nft add element inet socketbox s0p '{ 8080 }'
ip -n "$r" route del local 192.0.2.0/24 dev lo table local proto 91
sb_assert_eq 1 "$(status_rc)" "status exit code after more drift"
out=$(cat "$SB_TMP/status.out")
sb_assert_contains "$out" "drift: changed: nft set s0p: extra { 8080 }" "status names the set"
sb_assert_contains "$out" "drift: missing: route local 192.0.2.0/24 dev lo" "status names the route"
sb_assert_contains "$out" "drift: missing: $rule" "status still names the rule"

# The whole table gone (firewall managers flush what they do not own).
ip netns exec "$r" nft flush ruleset
sb_assert_eq 1 "$(status_rc)" "status exit code without the table"
sb_assert_contains "$(cat "$SB_TMP/status.out")" "drift: missing: nft table inet socketbox" "status names the table"

# apply repairs it all; after down, no table is in step too.
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "re-apply failed: $out"
sb_assert_eq 0 "$(status_rc)" "status after re-applying ($(cat "$SB_TMP/status.out"))"
out=$(sbctl down "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "down failed: $out"
sb_assert_eq 0 "$(status_rc)" "status after down ($(cat "$SB_TMP/status.out"))"
ip -n "$r" route add local 192.0.2.0/24 dev lo table local proto 91
sb_assert_eq 1 "$(status_rc)" "status with a socketbox route after down"
sb_assert_contains "$(cat "$SB_TMP/status.out")" "drift: extra: route local 192.0.2.0/24 dev lo" "status names the extra route"

# Cannot read the kernel: exit 2.
sb_assert_eq 2 "$(status_rc --netns "nosuch$SB_ID")" "status in a missing namespace"
sb_pass
