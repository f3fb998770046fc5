#!/usr/bin/env bash
# Every example profile in profiles/ passes `sbctl check`, compiles, and
# applies in a namespace made here: its prefixes become local routes, the
# socketbox nft table steers its ports, a second apply changes nothing,
# and `sbctl down` takes it all away again.
. "$(dirname "$0")/../lib.sh"
sb_require_root
[[ -x $SB_BIN/sbctl ]] || sb_fail "sbctl is not built"

profiles=("$SB_SOURCE_DIR"/profiles/*.toml)
((${#profiles[@]} >= 3)) || sb_fail "expected at least 3 profiles, found ${#profiles[@]}"

n=0
for profile in "${profiles[@]}"; do
  n=$((n + 1))
  name=$(basename "$profile" .toml)
  SB_TEST_NAME="profiles/$name"

  out=$(sbctl check "$profile" 2>&1) || sb_fail "sbctl check: $out"
  sbctl compile "$profile" >"$SB_TMP/$name.table" 2>&1 || sb_fail "sbctl compile: $(cat "$SB_TMP/$name.table")"
  # The compiled table is one sbd loads.
  out=$(sbd --check -f "$SB_TMP/$name.table" 2>&1) || sb_fail "sbd rejects the compiled table: $out"

  # Apply with the profile's host paths moved into this test's directory.
  dir=$SB_TMP/$name
  mkdir -p "$dir/etc" "$dir/state"
  mkdir -m 2755 "$dir/run"
  sed -e "s|/run/socketbox|$dir/run|g" -e "s|/etc/socketbox|$dir/etc|g" \
    -e 's|"socketbox-access"|"root"|' -e '/^netns *=/d' "$profile" >"$dir/profile.toml"
  ns=$(sb_netns "sbp$n")
  out=$(sbctl apply "$dir/profile.toml" --yes --netns "$ns" --state-dir "$dir/state" 2>&1) || sb_fail "sbctl apply: $out"

  # Every steered prefix is a local route on lo, and the nft table exists.
  prefixes=$(sed -n 's/^prefixes *= *\[\(.*\)\].*/\1/p' "$profile" | tr -d '" ' | tr ',' '\n')
  [[ -n $prefixes ]] || sb_fail "cannot read the steered prefixes from the profile"
  while read -r p; do
    fam=-6
    [[ $p == *.* ]] && fam=-4
    ip -n "$ns" "$fam" route show table local type local | grep -q "^local $p dev lo" ||
      sb_fail "no local route for $p: $(ip -n "$ns" "$fam" route show table local type local)"
  done <<<"$prefixes"
  ruleset=$(ip netns exec "$ns" nft list table inet socketbox 2>&1) || sb_fail "no nft table inet socketbox: $ruleset"
  sb_assert_contains "$ruleset" "tproxy" "the socketbox nft table"
  [[ -s $dir/etc/sbd.conf ]] || sb_fail "apply wrote no table to $dir/etc/sbd.conf"
  # Socket directories with the seed's layout: setgid, the group may read
  # but not write, the container's root (owner_uid) may do everything.
  while read -r sd uid; do
    [[ -d $sd ]] || sb_fail "socket directory $sd was not made"
    [[ -g $sd ]] || sb_fail "$sd is not set-group-ID"
    acl=$(getfacl -cp "$sd" 2>/dev/null)
    sb_assert_contains "$acl" "group::r-x" "ACL of $sd"
    sb_assert_contains "$acl" "user:$uid:rwx" "ACL of $sd"
  done < <(awk -F' *= *' '{ split($2, v, " "); gsub(/"/, "", v[1]) } /^path/ { p = v[1] } /^owner_uid/ { print p, v[1] }' "$dir/profile.toml")

  # Applied means nothing left to change.
  rc=0
  out=$(sbctl diff "$dir/profile.toml" --netns "$ns" 2>&1) || rc=$?
  sb_assert_eq 0 "$rc" "sbctl diff exit status right after apply ($out)"

  out=$(sbctl down "$dir/profile.toml" --netns "$ns" --state-dir "$dir/state" 2>&1) || sb_fail "sbctl down: $out"
  if ip netns exec "$ns" nft list table inet socketbox >/dev/null 2>&1; then sb_fail "sbctl down left the nft table"; fi
  while read -r p; do
    fam=-6
    [[ $p == *.* ]] && fam=-4
    if ip -n "$ns" "$fam" route show table local type local | grep -q "^local $p dev lo"; then
      sb_fail "sbctl down left the local route for $p"
    fi
  done <<<"$prefixes"
  sb_log "ok"
done
SB_TEST_NAME=profiles
sb_pass
