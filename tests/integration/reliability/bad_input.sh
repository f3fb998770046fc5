#!/usr/bin/env bash
# Every mistake a user can make gives one clear line on stderr and a
# non-zero exit - never a crash, an abort, a sanitizer report or a silent
# failure: bad tables, bad profiles, bad command lines, wrong permissions,
# missing namespaces, for sbd, sbctl, sb-inetd and sb-preload. Table-driven:
# each case is NAME, the text its line must contain, and the command.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root
getent passwd nobody >/dev/null || sb_skip "no user 'nobody'"

ns=$(sb_netns bad)
T=$SB_TMP
chmod 755 "$T"
cp "$SB_SOURCE_DIR/tests/data/seed.conf" "$T/seed.conf"
chmod 644 "$T/seed.conf"
printf 'rule-set:0\nport:99999 fail\n' >"$T/bad.conf"
printf 'rule-set:0\n\x00\xff\xfe jump-unix:\x01\n' >"$T/garbage.conf"
cp "$T/seed.conf" "$T/root-only.conf"
chmod 600 "$T/root-only.conf"
printf '[daemon\nlisten = \n' >"$T/syntax.toml"
printf '[daemon]\nlisten = "[::ffff:127.0.0.1]:1"\nfrobnicate = 1\n' >"$T/unknown-key.toml"
printf '\x00\xff\x01[[[\n' >"$T/garbage.toml"
{ echo "netns = \"sbnosuch$SB_ID\""; cat "$SB_SOURCE_DIR/profiles/dual-stack.toml"; } >"$T/no-netns.toml"
cp "$SB_SOURCE_DIR/profiles/dual-stack.toml" "$T/good.toml"
nobody="setpriv --reuid nobody --regid nogroup --clear-groups"

cases=(
  # sbd: tables
  "sbd-bad-table|$T/bad.conf:2:|sbd --check -f $T/bad.conf"
  "sbd-garbage-table|$T/garbage.conf:2:|sbd --check -f $T/garbage.conf"
  "sbd-missing-table|No such file or directory|sbd -p 8080 -f $T/none.conf"
  "sbd-broken-table-at-start|$T/bad.conf:2:|sbd -p 8080 -f $T/bad.conf"
  # sbd: command line
  "sbd-unknown-option|--frobnicate|sbd --frobnicate"
  "sbd-bad-port|--port|sbd -p 0 -f $T/seed.conf"
  "sbd-port-not-a-number|--port|sbd -p eighty -f $T/seed.conf"
  "sbd-bad-address|invalid listen address|sbd -l nonsense -p 8080 -f $T/seed.conf"
  "sbd-unknown-user|unknown user|sbd -p 8080 -f $T/seed.conf -u sbnosuch$SB_ID"
  "sbd-unknown-group|unknown group|sbd -p 8080 -f $T/seed.conf -G sbnosuch$SB_ID"
  "sbd-control-dir-missing|$T/no/dir/sbd.ctl|sbd -p 8080 -f $T/seed.conf --control $T/no/dir/sbd.ctl"
  "sbd-control-path-too-long|control socket path|sbd -p 8080 -f $T/seed.conf --control $T/$(printf 'x%.0s' {1..120})"
  "sbd-chroot-missing|chroot|sbd -p 8080 -f $T/seed.conf -x $T/no-such-dir"
  "sbd-listen-fd-not-socket|not a socket|sbd -s 0 -f $T/seed.conf"
  # sbd: permissions
  "sbd-transparent-unprivileged|CAP_NET_ADMIN|$nobody sbd -t -p 8080 -f $T/seed.conf"
  "sbd-low-port-unprivileged|cannot bind|$nobody sbd -p 80 -f $T/seed.conf"
  "sbd-table-unreadable|Permission denied|$nobody sbd --check -f $T/root-only.conf"
  "sbd-drop-privileges-unprivileged|cannot|$nobody sbd -p 8080 -f $T/seed.conf -u root"
  # sbctl: profiles
  "sbctl-syntax|syntax.toml:|sbctl check $T/syntax.toml"
  "sbctl-unknown-key|frobnicate|sbctl check $T/unknown-key.toml"
  "sbctl-garbage|garbage.toml|sbctl check $T/garbage.toml"
  "sbctl-missing-profile|none.toml|sbctl check $T/none.toml"
  "sbctl-profile-unreadable|Permission denied|$nobody sbctl check $T/root-only.conf"
  # sbctl: command line, namespaces
  "sbctl-unknown-command|subcommand|sbctl frobnicate"
  "sbctl-no-profile|PROFILE|sbctl check"
  "sbctl-missing-netns-in-profile|sbnosuch$SB_ID|sbctl diff $T/no-netns.toml"
  "sbctl-missing-netns-option|sbnosuch$SB_ID|sbctl diff --netns sbnosuch$SB_ID $T/good.toml"
  "sbctl-explain-bad-address|not-an-address|sbctl explain $T/good.toml not-an-address 80"
  # the receiving side
  "sb-inetd-no-args|sb-inetd|sb-inetd"
  "sb-inetd-bad-path|$T/no/dir/x.sock|sb-inetd $T/no/dir/x.sock true"
  "sb-inetd-unknown-user|sbnosuch$SB_ID|sb-inetd --uid sbnosuch$SB_ID $T/x.sock true"
  "sb-preload-bad-map|bogus|sb-preload --map bogus -- true"
  "sb-preload-no-program|sb-preload|sb-preload --map [::]:80=$T/x.sock"
)

failures=0
for c in "${cases[@]}"; do
  IFS='|' read -r name want cmd <<<"$c"
  rc=0
  # stdin from /dev/null; nothing may wait for a terminal. 10 s: nothing here
  # should start serving.
  eval "sb_in $ns timeout 10 $cmd" </dev/null >"$T/out" 2>"$T/err" || rc=$?
  err=$(cat "$T/err")
  lines=$(grep -c . "$T/err" || true)
  problem=""
  if ((rc == 0)); then problem="exit code 0"
  elif ((rc == 124)); then problem="still running after 10 s"
  elif ((rc >= 128)); then problem="killed by signal $((rc - 128))"
  elif grep -qE 'terminate called|Segmentation|Aborted|AddressSanitizer|runtime error|core dumped' "$T/err"; then
    problem="crashed"
  elif ((lines != 1)); then problem="$lines lines on stderr"
  elif [[ $err != *"$want"* ]]; then problem="the line does not mention '$want'"
  fi
  if [[ -n $problem ]]; then
    sb_log "FAIL $name: $problem (exit $rc): $cmd"
    sed 's/^/    stderr: /' "$T/err" | head -n 5 >&2
    sed 's/^/    stdout: /' "$T/out" | head -n 3 >&2
    failures=$((failures + 1))
  else
    sb_log "ok   $name (exit $rc): $err"
  fi
done
((failures == 0)) || sb_fail "$failures of ${#cases[@]} bad invocations misbehaved"
sb_pass
