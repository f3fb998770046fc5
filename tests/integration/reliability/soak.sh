#!/usr/bin/env bash
# Soak: at least 1,000,000 connections dispatched (SB_SOAK_CONNECTIONS), none
# failed, with sbd's resident memory and descriptor count flat: measured
# after a warm-up and again at the end.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root
TOTAL=${SB_SOAK_CONNECTIONS:-1000000}

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
fast_receiver_start "$srv" "$SB_TMP/b.sock" B
cat >"$SB_TMP/t.conf" <<T
rule-set:0
ip:fd01:db8:1:40::1:0 jump-unix:$SB_TMP/a.sock
default jump-unix:$SB_TMP/b.sock
T
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf"
pid=$(status_get "j['pid']")
dispatched() { status_get "j['connections']['dispatched']"; }

# run SECONDS: one load run over 1000 addresses (most go to b.sock through the
# rule set's default, one in a thousand to a.sock).
run() {
  local out
  out=$(loadgen --base fd01:db8:1:40::1:0 --count 1000 --port 80 --threads 4 --seconds "$1")
  [[ $(field "$out" errors) == 0 ]] || sb_fail "client errors: $out"
  sb_log "$out"
}

run 5   # warm-up: allocator, socket caches, log rate limiter
rss0=$(rss_kb "$pid")
fds0=$(fd_count "$pid")
start=$SECONDS
# Bounded in time too: far more than a loaded 2-core machine needs.
deadline=$((SECONDS + 420))
while (($(dispatched) < TOTAL)); do
  ((SECONDS < deadline)) || sb_fail "only $(dispatched) of $TOTAL connections dispatched in 420 s"
  run 15
  sb_log "dispatched $(dispatched) in $((SECONDS - start)) s; VmRSS $(rss_kb "$pid") kB (after warm-up $rss0 kB), $(fd_count "$pid") descriptors"
done
status=$(sbd_ctl status)
sb_assert_eq 0 "$(json_get "$status" "j['connections']['failed']")" "failed connections"
sb_assert_eq 0 "$(json_get "$status" "j['connections']['no_match']")" "unmatched connections"
rss1=$(rss_kb "$pid")
fds1=$(fd_count "$pid")
sb_assert_eq "$fds0" "$fds1" "sbd's descriptors after the warm-up and at the end"
# Flat: a leak of even 1 byte per connection would be ~1 MB here.
((rss1 <= rss0 + 512)) || sb_fail "sbd's VmRSS grew from $rss0 kB to $rss1 kB over $(dispatched) connections"
sb_pass
