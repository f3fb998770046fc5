#!/usr/bin/env bash
# A hostile table path never stops dispatch: with connections streaming,
# a FIFO, a symlink to /dev/zero and a directory replace the table and sbd
# is told to reload (SIGHUP and the control socket). Each reload fails at
# once with one line naming the file; the old table keeps serving; the
# dispatch rate in the seconds after the reload stays above half the rate
# before; status and SIGTERM keep working.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
table=$SB_TMP/t.conf
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$SB_TMP/good.conf"
cp "$SB_TMP/good.conf" "$table"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$table"
pid=$(status_get "j['pid']")

# sbd --check names the kind of file too.
for kind in dir fifo; do
  rm -rf "$SB_TMP/x"
  if [[ $kind == dir ]]; then mkdir "$SB_TMP/x"; else mkfifo "$SB_TMP/x"; fi
  out=$(sbd --check -f "$SB_TMP/x" 2>&1) && sb_fail "sbd --check accepted a $kind"
  sb_assert_contains "$out" "$SB_TMP/x: is a $([[ $kind == dir ]] && echo directory || echo FIFO)" "sbd --check -f $kind"
done

load_start load --base fd01:db8:1:40::1:0 --count 100 --port 80 --threads 4
sb_wait_for 20 "connections to flow" bash -c "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SBD_CTL) != *'\"dispatched\":0,'* ]]"

# sighup_fails KIND: SIGHUP, and waits for sbd to log that the reload failed.
sighup_fails() {
  local failed
  failed=$(grep -c "reload failed, still serving generation" "$SB_TMP/sbd.log" || true)
  kill -HUP "$pid"
  sb_wait_for 10 "the $1 reload to fail" bash -c \
    "(( \$(grep -c 'reload failed, still serving generation' '$SB_TMP/sbd.log') > $failed ))"
}

# hostile KIND WHAT: puts KIND at the table path, reloads by SIGHUP and by
# the control socket, and checks dispatch went on.
hostile() {
  local kind=$1 what=$2 answer line
  rm -rf "$table"
  case $kind in
    fifo) mkfifo "$table" ;;
    zero) ln -s /dev/zero "$table" ;;
    dir) mkdir "$table" ;;
  esac
  rate_kept_through "SIGHUP with a $kind at the table path" sighup_fails "$kind"
  line=$(grep "reload failed, still serving generation" "$SB_TMP/sbd.log" | tail -1)
  sb_assert_contains "$line" "$table: $what" "sbd's log line for the $kind"
  answer=$(sbd_ctl reload)
  sb_assert_contains "$answer" "\"ok\":false,\"error\":\"$table: $what" "control reload of the $kind"
  sb_assert_eq 1 "$(status_get "j['generation']")" "generation (the old table serves on)"
}
hostile fifo "is a FIFO"
hostile zero "is a character device"
hostile dir "is a directory"

# The good table comes back; SIGTERM works as ever.
rm -rf "$table"
cp "$SB_TMP/good.conf" "$table"
sb_assert_eq '{"ok":true,"generation":2}' "$(sbd_ctl reload)" "reload of the good table"
load_stop load
sb_log "clients: $LOAD_OUT"
sb_assert_eq 0 "$(field "$LOAD_OUT" errors)" "client connections that failed"
sb_assert_eq 0 "$(status_get "j['connections']['failed']")" "failed hand-offs"
sbd_stop
sb_pass
