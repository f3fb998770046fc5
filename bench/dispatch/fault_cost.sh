#!/usr/bin/env bash
# sbd's CPU per connection when the receiver takes it, is missing (no socket
# file) or refuses (a file, nobody bound), as root:
#   bench/dispatch/fault_cost.sh [ROUNDS [SECONDS]]
# Paced load (2,000 connections/s, 2 threads) from the client namespace to
# one address per case; rounds alternate the cases and each line prints the
# nanoseconds of CPU sbd spent per connection (from /proc/PID/schedstat).
set -euo pipefail
SB_BUILD_DIR=${SB_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/../../tests/integration/reliability/rel_helpers.sh"
sb_require_root
rounds=${1:-3}
seconds=${2:-3}

sb_topology
srv=$(sb_netns srv)
fast_receiver_start "$srv" "$SB_TMP/taking.sock" T
stale_socket "$SB_TMP/refusing.sock"
p=fd01:db8:1:40
cat >"$SB_TMP/t.conf" <<T
rule-set:0
ip:$p::1 jump-unix:$SB_TMP/taking.sock
ip:$p::2 jump-unix:$SB_TMP/missing.sock
ip:$p::3 jump-unix:$SB_TMP/refusing.sock
default fail
T
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf"
pid=$(status_get "j['pid']")
names=([1]=taking [2]=missing [3]=refusing)
for ((r = 1; r <= rounds; r++)); do
  for a in 1 2 3; do
    t0=$(cpu_ns "$pid")
    out=$(loadgen --base "$p::$a" --count 1 --port 80 --threads 2 --rate 2000 --seconds "$seconds" || true)
    t1=$(cpu_ns "$pid")
    n=$(($(field "$out" connections) + $(field "$out" errors)))
    printf 'round %d %-9s %6d connections  sbd %6d ns/connection\n' "$r" "${names[a]}" "$n" $(((t1 - t0) / n))
  done
done
