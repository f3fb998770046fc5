#!/usr/bin/env bash
# The systemd units pass `systemd-analyze verify` (configured for the build
# tree, so their binaries exist), and the tmpfiles.d and sysusers.d entries
# produce the seed's layout when applied to a scratch root.
. "$(dirname "$0")/../lib.sh"
command -v systemd-analyze >/dev/null || sb_skip "systemd-analyze is not installed"

units=$SB_BUILD_DIR/dist/build-tree
for u in sbd.service sbd.socket sbctl-apply.service sbctl-watch.service sbctl-metrics.service \
  sb-relay.service socketbox-textfile.service socketbox-textfile.timer; do
  [[ -f $units/$u ]] || sb_fail "$units/$u was not generated"
done
[[ -x $SB_BIN/sbd && -x $SB_BIN/sbctl && -x $SB_BIN/sb-relay ]] ||
  sb_fail "sbd, sbctl and sb-relay must be built for the units to verify"

# verify looks up Documentation=man: pages; give it ours.
mkdir -p "$SB_TMP/man"/man{1,5,8}
for page in "$SB_SOURCE_DIR"/man/*.[158]; do cp "$page" "$SB_TMP/man/man${page##*.}/"; done
out=$(cd "$units" && MANPATH=$SB_TMP/man systemd-analyze verify ./sbd.socket ./sbd.service ./sbctl-apply.service ./sbctl-watch.service ./sbctl-metrics.service ./sb-relay.service ./socketbox-textfile.service ./socketbox-textfile.timer 2>&1) ||
  sb_fail "systemd-analyze verify failed: $out"
[[ -z $out ]] || sb_fail "systemd-analyze verify warned: $out"

# The unit runs sbd with options sbd accepts (--check parses the same line).
exec_line=$(sed -n 's/^ExecStart=//p' "$units/sbd.service")
read -ra argv <<<"$exec_line"
printf 'rule-set:0\ndefault fail\n' >"$SB_TMP/sbd.conf"
args=()
for ((i = 1; i < ${#argv[@]}; i++)); do
  case ${argv[i]} in
    -f) args+=(-f "$SB_TMP/sbd.conf"); i=$((i + 1)) ;;
    -u | -g | -G) i=$((i + 1)) ;;  # the socketbox user need not exist here
    *) args+=("${argv[i]}") ;;
  esac
done
out=$("${argv[0]}" "${args[@]}" --check 2>&1) || sb_fail "sbd rejects the unit's command line: $out"

# sysusers.d and tmpfiles.d, applied to a scratch root.
root=$SB_TMP/root
mkdir -p "$root/etc" "$root/run" "$root/var/lib"
systemd-sysusers --root="$root" "$SB_SOURCE_DIR/dist/sysusers.d/socketbox.conf" >/dev/null 2>&1 ||
  sb_fail "systemd-sysusers rejected dist/sysusers.d/socketbox.conf"
grep -q '^socketbox:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$root/etc/passwd" || sb_fail "no socketbox user: $(cat "$root/etc/passwd")"
access_gid=$(awk -F: '$1 == "socketbox-access" { print $3 }' "$root/etc/group")
[[ -n $access_gid ]] || sb_fail "no socketbox-access group"
members=$(awk -F: '$1 == "socketbox-access" { print $4 }' "$root/etc/group")
sb_assert_eq "socketbox,socketbox-relay" "$members" "socketbox-access members"
relay_uid=$(awk -F: '$1 == "socketbox-relay" { print $3 }' "$root/etc/passwd")
[[ -n $relay_uid ]] || sb_fail "no socketbox-relay user"

[[ $(id -u) -eq 0 ]] || { sb_log "not root: skipping the tmpfiles.d check"; sb_pass; exit 0; }
systemd-tmpfiles --root="$root" --create "$SB_SOURCE_DIR/dist/tmpfiles.d/socketbox.conf" ||
  sb_fail "systemd-tmpfiles rejected dist/tmpfiles.d/socketbox.conf"
sb_assert_eq "2755 0 $access_gid" "$(stat -c '%a %u %g' "$root/run/socketbox")" "/run/socketbox mode, owner, group"
sb_assert_eq "2750 $relay_uid $access_gid" "$(stat -c '%a %u %g' "$root/run/socketbox/relay")" \
  "/run/socketbox/relay mode, owner, group"
metrics_gid=$(awk -F: '$1 == "socketbox-metrics" { print $3 }' "$root/etc/group")
sb_assert_eq "750 0 $metrics_gid" "$(stat -c '%a %u %g' "$root/var/lib/socketbox")" "/var/lib/socketbox mode, owner, group"
sb_pass
