#!/usr/bin/env bash
# diff's exit codes (0 nothing, 1 changes, 2 error); rollback restores the
# previous state exactly (nft, routes, table file); down removes only what
# socketbox owns; a foreign nft table and foreign routes survive it all.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbctl_helpers.sh"
sb_require_root

SB_TOPOLOGY_KERNEL=0 sb_topology
r=$SB_NS_ROUTER
# Someone else's firewall and routes in the same namespace.
ip netns exec "$r" nft -f - <<'NFT'
table inet firewall {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 9999 drop
  }
}
NFT
ip -n "$r" route add local 198.51.100.0/24 dev lo
ip -n "$r" -6 route add local fd02:db8::/64 dev lo proto static
state0=$(box_state "$r")

write_profile "$SB_TMP/a.toml"
write_profile "$SB_TMP/b.toml" "22, 8080"
sed -i "s|vm7/sb-00443|vm7/nginx-new|" "$SB_TMP/b.toml"
printf '[[route]]\ndest = "fd01:db8:1:40::/64"\nport = "80-443"\nfrom = "fd00::/8"\nto = "unix:/x"\n' >"$SB_TMP/bad.toml"

diff_rc() {
  local rc=0
  sbctl diff "$@" >"$SB_TMP/diff.out" 2>&1 || rc=$?
  echo "$rc"
}

# diff exit codes.
sb_assert_eq 1 "$(diff_rc "$SB_TMP/a.toml" --netns "$r")" "diff before any apply"
sb_assert_contains "$(cat "$SB_TMP/diff.out")" "route local fd01:db8:1:40::/64" "diff output"
sb_assert_contains "$(cat "$SB_TMP/diff.out")" "does not exist; apply writes it" "diff output"
printf 'bogus = 1\n' >"$SB_TMP/broken.toml"
sb_assert_eq 2 "$(diff_rc "$SB_TMP/broken.toml" --netns "$r")" "diff of a broken profile"
sb_assert_eq "$SB_TMP/broken.toml:1:1: error: unknown key 'bogus' (expected netns, local_clients, [daemon], [relay], [[steer]], [[route]] or [[socketdir]])" \
  "$(cat "$SB_TMP/diff.out")" "diff's error line"
sb_assert_eq 2 "$(diff_rc "$SB_TMP/a.toml" --netns "nosuch$SB_ID")" "diff in a missing namespace"
sb_assert_eq 1 "$(grep -c . "$SB_TMP/diff.out")" "one error line for a missing namespace"

sbctl apply "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "apply a.toml failed"
stateA=$(box_state "$r")
sb_assert_eq 0 "$(diff_rc "$SB_TMP/a.toml" --netns "$r")" "diff right after apply"
sb_assert_eq 1 "$(diff_rc "$SB_TMP/b.toml" --netns "$r")" "diff against another profile"
out=$(cat "$SB_TMP/diff.out")
sb_assert_contains "$out" "-ip:fd01:db8:1:40::1:10 port:443 jump-unix:$SB_TMP/vm7/sb-00443" "table diff"
sb_assert_contains "$out" "+ip:fd01:db8:1:40::1:10 port:443 jump-unix:$SB_TMP/vm7/nginx-new" "table diff"
sb_assert_contains "$out" "8080" "kernel diff"
# diff changed nothing.
sb_assert_eq "$stateA" "$(box_state "$r")" "state after diff"

# Apply b, then roll back: exactly a's state again. --json says the same as the text.
rc=0
out=$(sbctl diff "$SB_TMP/b.toml" --netns "$r" --json 2>&1) || rc=$?
sb_assert_eq 1 "$rc" "diff --json exit code with changes"
sb_assert_eq "True True" "$(json_get "$out" "'%s %s' % (j['changes'], any(c['op'] == 'add' and '8080' in c['what'] for c in j['kernel']))")" "diff --json names b's new port"
out=$(sbctl apply "$SB_TMP/b.toml" --netns "$r" --state-dir "$STATE" --json 2>/dev/null) || sb_fail "apply b.toml failed: $out"
sb_assert_eq "2 False True" "$(json_get "$out" "'%d %s %s' % (j['generation'], j['unchanged'], len(j['kernel_changes']) > 0)")" "apply --json"
stateB=$(box_state "$r")
[[ $stateB != "$stateA" ]] || sb_fail "applying b changed nothing"
sb_assert_contains "$(nft_summary "$r")" "tcp dport 22,8080" "b's ports"
out=$(sbctl rollback --state-dir "$STATE" --json 2>"$SB_TMP/rollback.err") || sb_fail "rollback failed: $(cat "$SB_TMP/rollback.err")"
sb_assert_eq "2 1" "$(json_get "$out" "'%d %d' % (j['rolled_back'], j['current'])")" "rollback --json"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after rolling back b"
sb_assert_eq 0 "$(diff_rc "$SB_TMP/a.toml" --netns "$r")" "diff of a after rollback"

# down removes socketbox's kernel state only; the table file stays; rollback undoes it.
out=$(sbctl down "$SB_TMP/a.toml" --netns "$r" --state-dir "$STATE" 2>&1) || sb_fail "down failed: $out"
sb_assert_eq "no table" "$(nft_summary "$r")" "socketbox's nft table after down"
sb_assert_eq "" "$(local_routes "$r" 91)" "socketbox's routes after down"
[[ -e $SB_TMP/sbd.conf ]] || sb_fail "down removed the table file"
sb_assert_contains "$(ip netns exec "$r" nft list table inet firewall)" "tcp dport 9999 drop" "foreign table after down"
sbctl rollback --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "rollback of down failed"
sb_assert_eq "$stateA" "$(box_state "$r")" "state after rolling back down"

# Back to before the first apply, foreign state untouched throughout.
out=$(sbctl rollback --state-dir "$STATE" 2>&1) || sb_fail "rollback of generation 1 failed: $out"
sb_assert_contains "$out" "rolled back generation 1; no generation is current" "rollback output"
sb_assert_eq "$state0" "$(box_state "$r")" "state after rolling back everything"
rc=0
out=$(sbctl rollback --state-dir "$STATE" 2>&1) || rc=$?
sb_assert_eq 2 "$rc" "rollback with nothing applied"
sb_assert_contains "$out" "nothing to roll back" "rollback with nothing applied"
sb_assert_contains "$(local_routes "$r")" "local 198.51.100.0/24" "foreign IPv4 route"
sb_assert_contains "$(local_routes "$r")" "local fd02:db8::/64 static" "foreign IPv6 route"

# Socket directories: diff reports them missing, apply makes them with the
# seed's layout (2750 root:group, ACL for the owner uid), diff sees drift.
cp "$SB_TMP/a.toml" "$SB_TMP/dirs.toml"
printf '[[socketdir]]\npath = "%s"\nowner_uid = 100000\naccess_group = "nogroup"\n' "$SB_TMP/sockets/00001" >>"$SB_TMP/dirs.toml"
sb_assert_eq 1 "$(diff_rc "$SB_TMP/dirs.toml" --netns "$r")" "diff with a missing socket directory"
sb_assert_contains "$(cat "$SB_TMP/diff.out")" "socket directories:" "diff output"
sbctl apply "$SB_TMP/dirs.toml" --netns "$r" --state-dir "$STATE" >/dev/null 2>&1 || sb_fail "apply dirs.toml failed"
# With an ACL, the group bits stat shows are the ACL mask (rwx); the owning
# group itself has r-x, as in the seed's setfacl recipe.
sb_assert_eq "2770 root nogroup" "$(stat -c '%a %U %G' "$SB_TMP/sockets/00001")" "socket directory layout"
acl=$(getfacl -n "$SB_TMP/sockets/00001" 2>/dev/null)
sb_assert_contains "$acl" "user:100000:rwx" "socket directory ACL"
sb_assert_contains "$acl" "group::r-x" "socket directory ACL"
sb_assert_eq 0 "$(diff_rc "$SB_TMP/dirs.toml" --netns "$r")" "diff after making the socket directory"
chmod 0755 "$SB_TMP/sockets/00001"
sb_assert_eq 1 "$(diff_rc "$SB_TMP/dirs.toml" --netns "$r")" "diff after the directory's mode changed"
sb_assert_contains "$(cat "$SB_TMP/diff.out")" "$SB_TMP/sockets/00001: " "drift line"
sb_pass
