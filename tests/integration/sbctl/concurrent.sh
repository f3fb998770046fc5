#!/usr/bin/env bash
# Another tool commits to nftables nonstop (one nft -i fed add/delete of its
# own table as fast as it takes them) and churns a route of its own, while
# sbctl applies and rolls back two profiles in turn. Every apply and rollback
# goes through, the box is exactly the old or the new profile after each, and
# the other tools' table is untouched.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root
command -v nft >/dev/null || sb_skip "needs nft"

# Each round is an apply and a rollback: 50 changes (20 under ASan, where
# every sbctl run costs several times as much).
[[ ${SB_SANITIZE:-0} == 1 ]] && ROUNDS=${ROUNDS:-10}
ROUNDS=${ROUNDS:-25}
r=$(sb_netns sbw)
ip netns exec "$r" nft -f - <<'NFT'
table inet firewall {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 9999 drop
  }
}
NFT
firewall=$(ip netns exec "$r" nft list table inet firewall)
write_profile "$SB_TMP/a.toml"
write_profile "$SB_TMP/b.toml" "22, 8080"
sed -i 's|"fd01:db8:1:40::/64", "192.0.2.0/24"|"fd01:db8:1:40::/64", "192.0.2.0/25", "203.0.113.0/24"|' "$SB_TMP/b.toml"
out=$(sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "first apply failed: $out"

# The writers: bounded loops that end when the test creates $stop (checked
# every 256 lines so that the loop stays fast).
stop=$SB_TMP/stop
nft_writer() {
  {
    local i=0
    while ((i < 20000000)); do
      if ((i % 256 == 0)) && [[ -e $stop ]]; then break; fi
      echo "add table inet churn"
      echo "delete table inet churn"
      i=$((i + 1))
    done
    echo "$i" >"$SB_TMP/nft_writer.count"
  } | HOME=$SB_TMP ip netns exec "$r" nft -i >/dev/null # its history file goes there, not to ~
}
route_writer() {
  {
    local i=0 pause
    exec {pause}<> <(:) # read -t on it: a 1 ms sleep without a process
    while ((i < 20000000)); do
      if ((i % 256 == 0)) && [[ -e $stop ]]; then break; fi
      read -r -t 0.001 -u "$pause" || true
      echo "route add local 198.51.100.0/24 dev lo proto static"
      echo "route del local 198.51.100.0/24 dev lo proto static"
      i=$((i + 1))
    done
    echo "$i" >"$SB_TMP/route_writer.count"
  } | ip -n "$r" -force -batch - >/dev/null 2>&1
}
sb_bg nft_writer nft_writer
nft_pid=$SB_LAST_PID
sb_bg route_writer route_writer
route_pid=$SB_LAST_PID
sb_on_exit "touch $stop"
# Running: the other tool's table comes and goes.
# (The table exists half the time; on a loaded machine the writer may take
# a while to start: a generous bound.)
sb_wait_for 90 "the nft writer to commit" bash -c "ip netns exec $r nft list tables | grep -q churn"

diff_rc() {
  local rc=0
  sbctl diff "$1" --netns "$r" >"$SB_TMP/diff.out" 2>&1 || rc=$?
  echo "$rc"
}
t0=$(date +%s%N)
for ((k = 1; k <= ROUNDS; k++)); do
  out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "apply $k failed: $out"
  sb_assert_eq 0 "$(diff_rc "$SB_TMP/b.toml")" "diff of b after apply $k ($(cat "$SB_TMP/diff.out"))"
  out=$(sbctl rollback --state-dir "$STATE" 2>&1) || sb_fail "rollback $k failed: $out"
  sb_assert_eq 0 "$(diff_rc "$SB_TMP/a.toml")" "diff of a after rollback $k ($(cat "$SB_TMP/diff.out"))"
done
t1=$(date +%s%N)
kill -0 "$nft_pid" 2>/dev/null || sb_fail "the nft writer ended before the test stopped it"
kill -0 "$route_pid" 2>/dev/null || sb_fail "the route writer ended before the test stopped it"
touch "$stop"
# The loops say how far they got at once; what nft -i has still queued in
# the pipe goes with the namespace at exit.
sb_wait_for 20 "the writers to stop" test -s "$SB_TMP/nft_writer.count" -a -s "$SB_TMP/route_writer.count"
commits=$(($(cat "$SB_TMP/nft_writer.count") * 2))
routes=$(($(cat "$SB_TMP/route_writer.count") * 2))
sb_log "$((2 * ROUNDS)) applies and rollbacks took $(((t1 - t0) / 1000000)) ms beside $commits nft commits and $routes route changes of other tools"
# The writers really ran beside the changes (a pipe holds only ~3,000 lines).
((commits >= 1000)) || sb_fail "the nft writer committed only about $commits times"
((routes >= 1000)) || sb_fail "the route writer made only about $routes changes"

sb_assert_eq "$firewall" "$(ip netns exec "$r" nft list table inet firewall)" "the other tool's table"
sb_pass
