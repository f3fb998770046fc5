#!/usr/bin/env bash
# The end-to-end dispatch benchmark, direct vs sbd only (bench/run is the full
# harness, with nginx and HAProxy), in throw-away namespaces (as root):
#   bench/dispatch/run.sh [ROUNDS [SECONDS]]
# A client namespace runs sb-loadgen (connect, read, close; 4 threads over
# 1,000 destination addresses) against two paths through the same router:
#   direct: TPROXY to a server listening on [::ffff:127.0.0.1]:2 itself
#   sbd:    TPROXY to sbd on [::ffff:127.0.0.1]:1, a 1,000-entry map, hand-off
#           to the same server program receiving in an isolated namespace
# With SB_PROFILE_DIR=DIR it then loads sbd once more while linux-perf samples
# it (kernel and user stacks) and writes DIR/sbd.folded and DIR/sbd-flame.png
# (bench/flamegraph; needs linux-perf and python3-matplotlib).
# Rounds alternate between the two paths, because this machine's speed drifts
# over minutes; only the side-by-side ratio means anything.
set -euo pipefail
SB_BUILD_DIR=${SB_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}
. "$(dirname "$0")/../../tests/integration/lib.sh"
sb_require_root
rounds=${1:-5}
seconds=${2:-3}

SB_STEER_PORTS=80 sb_topology
sb_in "$SB_NS_ROUTER" nft add rule inet sbtest prerouting ip6 daddr "$SB_PREFIX6" tcp dport 8080 \
  tproxy ip6 to '[::ffff:127.0.0.1]:2' accept
srv=$(sb_netns sbs)

table=$SB_TMP/bench.conf
{
  echo "rule-set:0"
  echo "ip:fd01:db8:1:40::/64 port:80 jump-map:1"
  echo "map-set:1 match-lip:128"
  for i in $(seq 0 999); do printf 'ip:fd01:db8:1:40::1:%x jump-unix:%s/recv.sock\n' "$i" "$SB_TMP"; done
} >"$table"

sb_bg direct ip netns exec "$SB_NS_ROUTER" sb-bench-server --listen-transparent 2
sb_bg receiver ip netns exec "$srv" sb-bench-server --receive "$SB_TMP/recv.sock"
sb_wait_path 10 "$SB_TMP/recv.sock"
sb_bg sbd ip netns exec "$SB_NS_ROUTER" sbd -t -l ::ffff:127.0.0.1 -p 1 -f "$table"
sb_wait_for 10 "sbd listening" sb_in "$SB_NS_ROUTER" ss -Hltn 'sport = :1'
sb_wait_for 10 "direct server listening" sb_in "$SB_NS_ROUTER" ss -Hltn 'sport = :2'

run() { # PORT -> rate
  sb_in "$SB_NS_CLIENT" sb-loadgen --base fd01:db8:1:40::1:0 --count 1000 --threads 4 \
    --port "$1" --seconds "$seconds"
}
ratios=()
printf '%-6s %-62s %s\n' round "direct | sbd" "ratio"
for r in $(seq "$rounds"); do
  d=$(run 8080)
  s=$(run 80)
  dr=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$d")
  sr=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$s")
  ratio=$(awk -v a="$sr" -v b="$dr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  ratios+=("$ratio")
  printf '%-6s direct %-26s sbd %-26s %s\n' "$r" \
    "$(sed -n 's/.*\(rate=[0-9]*\).*\(p50_us=[0-9]*\).*/\1 \2/p' <<<"$d")" \
    "$(sed -n 's/.*\(rate=[0-9]*\).*\(p50_us=[0-9]*\).*/\1 \2/p' <<<"$s")" "$ratio"
  grep -q 'errors=0' <<<"$d$s" || echo "  (errors: direct: ${d##*errors=} sbd: ${s##*errors=})"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median sbd/direct connection rate: $median (the original socketbox measured 0.73-0.80 here)"

if [[ -n ${SB_PROFILE_DIR:-} ]]; then
  mkdir -p "$SB_PROFILE_DIR"
  sbd_pid=$(pgrep -n -x sbd)
  sb_bg load ip netns exec "$SB_NS_CLIENT" sb-loadgen --base fd01:db8:1:40::1:0 --count 1000 \
    --threads 4 --port 80 --until-stopped --seconds 60
  load_pid=$SB_LAST_PID
  # DWARF unwinding: the Release build has no frame pointers.
  perf record -q -e cpu-clock -F 1999 --call-graph dwarf,16384 -p "$sbd_pid" \
    -o "$SB_TMP/perf.data" -- sleep "$seconds"
  kill -TERM "$load_pid"
  wait "$load_pid" || true
  echo "profiled load: $(cat "$SB_TMP/load.log")"
  perf script -i "$SB_TMP/perf.data" -s /usr/lib/perf-core/scripts/python/stackcollapse.py \
    -- --kernel 2>/dev/null >"$SB_PROFILE_DIR/sbd.folded"
  "$(dirname "$0")/../flamegraph" "$SB_PROFILE_DIR/sbd.folded" "$SB_PROFILE_DIR/sbd-flame.png" \
    "sbd under connect-read-close load (bench/dispatch/run.sh)"
fi
