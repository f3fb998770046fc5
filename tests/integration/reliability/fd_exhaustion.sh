#!/usr/bin/env bash
# Descriptors exhausted with many connections waiting: sbd's descriptor limit
# is lowered (prlimit on the running sbd) to exactly what it holds, then 200
# clients connect at once. For three seconds sbd can accept none of them: it
# backs off (CPU time from /proc/PID/stat stays low), neither spins nor
# exits, and the 200 wait in the accept queue. Once the limit is raised all
# 200 are served. (sbd's own emfile test covers the control socket, and
# both event loops.) With --event-loop epoll: io_uring reads the limit when
# an accept is armed, so its 16 armed accepts would each still take one
# connection after the prlimit, which this test's way of exhausting
# descriptors does not intend (sbd.md, "Event loop").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root

sb_topology
srv=$(sb_netns srv)
sb_in "$srv" sysctl -qw net.unix.max_dgram_qlen=1024
fast_receiver_start "$srv" "$SB_TMP/a.sock" A
printf 'rule-set:0\ndefault jump-unix:%s\n' "$SB_TMP/a.sock" >"$SB_TMP/t.conf"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf" --event-loop epoll
pid=$(status_get "j['pid']")
sb_assert_eq box=A "$(client fd01:db8:1:40::1 80)" "before"

# The lowest limit with every descriptor number below it in use.
limit=3
while (($(ls "/proc/$pid/fd" | awk -v l=$limit '$1 < l' | wc -l) != limit)); do limit=$((limit + 1)); done
prlimit --pid "$pid" --nofile="$limit:4096"
sb_on_exit "prlimit --pid $pid --nofile=4096:4096"

before=$(cpu_ticks "$pid")
# 200 threads, one connection each, every one waiting for its answer.
loadgen --base fd01:db8:1:40::1:0 --count 200 --port 80 --threads 200 --seconds 0.1 >"$SB_TMP/load.out" &
load=$!
queue() { sb_in "$SB_NS_ROUTER" ss -Hltn 'sport = :1' | awk '{print $2}'; }
sb_wait_for 20 "200 connections in sbd's accept queue" bash -c "(( \$(ip netns exec $SB_NS_ROUTER ss -Hltn 'sport = :1' | awk '{print \$2}') >= 200 ))"
t0=$(cpu_ticks "$pid")
sleep 3   # measuring: a spinning sbd would burn ~300 ticks here
used=$(($(cpu_ticks "$pid") - t0))
sb_log "out of descriptors for 3 s with $(queue) connections waiting: sbd used $used CPU ticks"
((used < 30)) || sb_fail "sbd used $used CPU ticks in 3 s while out of descriptors"
kill -0 "$pid" || sb_fail "sbd exited"
sb_assert_eq 200 "$(queue)" "connections still waiting"
grep -q "accept: Too many open files; pausing accepts" "$SB_TMP/sbd.log" || sb_fail "no back-off logged"

# Descriptors free up: every waiting connection is served.
prlimit --pid "$pid" --nofile=4096:4096
wait "$load"
out=$(cat "$SB_TMP/load.out")
sb_log "after recovery: $out"
sb_assert_eq 0 "$(field "$out" errors)" "failed connections"
(($(field "$out" connections) >= 200)) || sb_fail "only $(field "$out" connections) connections served"
backoffs=$(status_get "j['connections']['accept_backoffs']")
((backoffs >= 10)) || sb_fail "accept_backoffs: $backoffs (expected one per 100 ms)"
sb_assert_eq box=A "$(client fd01:db8:1:40::1 80)" "after"
sb_pass
