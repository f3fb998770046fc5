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

. "$(dirname "$0")/setup.sh"
dispatch_setup 8080 2
sb_bg direct ip netns exec "$SB_NS_ROUTER" sb-bench-server --listen-transparent 2
sb_bg sbd ip netns exec "$SB_NS_ROUTER" sbd -t -l ::ffff:127.0.0.1 -p 1 -f "$table"
sb_wait_for 10 "sbd listening" sb_listening "$SB_NS_ROUTER" 1
sb_wait_for 10 "direct server listening" sb_listening "$SB_NS_ROUTER" 2

run() { dispatch_load "$1" --seconds "$seconds"; } # PORT -> rate
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
  sb_bg load ip netns exec "$SB_NS_CLIENT" "${dispatch_loadgen[@]}" --port 80 \
    --until-stopped --seconds 60
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
