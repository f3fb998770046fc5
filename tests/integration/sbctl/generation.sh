#!/usr/bin/env bash
# A namespace past 65,535 nftables commits. The GETGEN answer's nfgenmsg.res_id
# holds only the generation's low 16 bits; a batch sent with that as
# NFNL_BATCH_GENID is refused once the real, 32-bit generation has passed it.
# sbctl reads NFTA_GEN_ID instead: apply, diff, rollback and down all work.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root
command -v nft >/dev/null || sb_skip "needs nft"

r=$(sb_netns sbg)
write_profile "$SB_TMP/a.toml"
write_profile "$SB_TMP/b.toml" "22, 8080"

# 65,600 commits through one nft process: every line of nft -i is its own
# transaction. nft -i keeps its history in $HOME/.nft.history, rewritten as
# it goes: in the user's home it grew by 65,600 lines a run and made every
# later run slower (8 ms a command at 1.1 million lines), so it goes here.
commits=65600
t0=$(date +%s%N)
for ((i = 0; i < commits / 2; i++)); do
  echo "add table inet sbgen$i"
  echo "delete table inet sbgen$i"
done | HOME=$SB_TMP ip netns exec "$r" nft -i >"$SB_TMP/nft-i.log" 2>&1 || sb_fail "nft -i failed: $(tail -n 3 "$SB_TMP/nft-i.log")"
t1=$(date +%s%N)
sb_log "$commits nft commits took $(((t1 - t0) / 1000000)) ms"
sb_assert_eq "" "$(ip netns exec "$r" nft list ruleset)" "ruleset after the commits"

# The generation netcfg reads is the full 32-bit one (> 65535 now).
SB_GEN_NETNS=$r "$SB_BIN/netcfg_kernel" "[.generation32]" >"$SB_TMP/gen32.log" 2>&1 ||
  sb_fail "netcfg read a 16-bit generation: $(cat "$SB_TMP/gen32.log")"

diff_rc() {
  local rc=0
  sbctl diff "$@" --netns "$r" >"$SB_TMP/diff.out" 2>&1 || rc=$?
  echo "$rc"
}

out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply a failed: $out"
sb_assert_contains "$out" "applied generation 1" "apply a"
sb_assert_eq 0 "$(diff_rc "$SB_TMP/a.toml")" "diff a after apply a ($(cat "$SB_TMP/diff.out"))"
stateA=$(box_state "$r")
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply b failed: $out"
sb_assert_eq 0 "$(diff_rc "$SB_TMP/b.toml")" "diff b after apply b ($(cat "$SB_TMP/diff.out"))"
sb_assert_contains "$(nft_summary "$r")" "tcp dport 22,8080" "b's ports"
out=$(sbctl rollback --state-dir "$STATE" 2>&1) || sb_fail "rollback failed: $out"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after rolling back b"
out=$(sbctl down "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "down failed: $out"
sb_assert_eq "no table" "$(nft_summary "$r")" "socketbox's nft table after down"
sb_assert_eq "" "$(local_routes "$r" 91)" "socketbox's routes after down"
out=$(sbctl rollback --state-dir "$STATE" 2>&1) || sb_fail "rollback of down failed: $out"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after rolling back down"
sb_pass
