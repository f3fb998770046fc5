#!/usr/bin/env bash
# --log-connections: one line per connection on stderr (not the journal
# here) for a sent, a failed and an unmatched connection, with the client
# shown per --log-clients (full, prefix, none); nothing without the flag.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root
unset JOURNAL_STREAM # stderr is a file here whatever the caller's is

sb_topology
srv=$(sb_netns srv)
receiver_start "$srv" "$SB_TMP/alive.sock" alive
p=fd01:db8:1:40
cat >"$SB_TMP/t.conf" <<T
rule-set:0
ip:$p::1 jump-unix:$SB_TMP/alive.sock
ip:$p::2 jump-unix:$SB_TMP/missing.sock
ip:::ffff:192.0.2.0/120 jump-unix:$SB_TMP/alive.sock
default fail
T

# regex_quote TEXT: TEXT as a literal in an extended regular expression.
regex_quote() { sed 's/[][\.|$(){}?+*^]/\\&/g' <<<"$1"; }

# expect_line CLIENT-REGEX REST: sbd logged "connection client=CLIENT REST".
expect_line() {
  local re="^sbd: connection client=$1 $(regex_quote "$2")\$"
  sb_wait_for 5 "log line: client=$1 $2" grep -qE "$re" "$SB_TMP/sbd.log"
}

for mode in off full prefix none; do
  args=(-t -p 1 -f "$SB_TMP/t.conf")
  case $mode in
    off) ;;
    # (under the seccomp filter once: the log only sends on open sockets)
    prefix) args+=(--log-connections --log-clients prefix --seccomp) ;;
    *) args+=(--log-connections --log-clients "$mode") ;;
  esac
  sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" "${args[@]}"
  expect_box "$p::1" 22 alive
  expect_reset "$p::2" 22
  expect_reset "$p::99" 443
  got=$(client 192.0.2.10 80)
  [[ $got == "box=alive peer=::ffff:$SB_CLIENT4 "* ]] || sb_fail "192.0.2.10:80: got '$got'"
  case $mode in
    full) c6="\[$(regex_quote "$SB_CLIENT6")\]:[0-9]+" c4="$(regex_quote "$SB_CLIENT4"):[0-9]+" ;;
    prefix) c6="fd00:c::/64" c4="10\.99\.0\.0/24" ;;
    none) c6="-" c4="-" ;;
  esac
  if [[ $mode == off ]]; then
    sleep 0.2
    ! grep -q "sbd: connection " "$SB_TMP/sbd.log" || sb_fail "connection lines without --log-connections"
  else
    expect_line "$c6" "dest=[$p::1]:22 route=\"rule-set:0 line 2\" target=$SB_TMP/alive.sock result=sent"
    expect_line "$c6" "dest=[$p::2]:22 route=\"rule-set:0 line 3\" target=$SB_TMP/missing.sock result=\"failed: No such file or directory\""
    expect_line "$c6" "dest=[$p::99]:443 route=\"rule-set:0 default line 5\" target=- result=no-match"
    expect_line "$c4" "dest=192.0.2.10:80 route=\"rule-set:0 line 4\" target=$SB_TMP/alive.sock result=sent"
    sb_assert_eq 4 "$(grep -c "^sbd: connection " "$SB_TMP/sbd.log")" "connection lines ($mode)"
  fi
  # No journal, and nothing dropped: the metrics say so.
  metrics=$(sbd_ctl metrics)
  sb_assert_contains "$metrics" 'socketbox_sbd_connection_log_dropped_total{reason="full"} 0' "metrics"
  sbd_stop
  cp "$SB_TMP/sbd.log" "$SB_TMP/sbd-$mode.log"
done
sb_pass
