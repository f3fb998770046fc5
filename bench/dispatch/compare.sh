#!/usr/bin/env bash
# Two sbd builds side by side under the same load, for a change to sbd's
# per-connection path (as root):
#   bench/dispatch/compare.sh OLD_SBD NEW_SBD [ROUNDS [SECONDS]]
# Same topology as run.sh; OLD listens on [::ffff:127.0.0.1]:1 (port 80 is
# steered there), NEW on :3 (port 8081), both with the 1,000-entry map to one
# receiver. Rounds alternate OLD and NEW; each prints the connection rate and
# the CPU sbd spent per connection (utime + stime from /proc), which a busy
# machine disturbs far less than the rate.
set -euo pipefail
SB_BUILD_DIR=${SB_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}
. "$(dirname "$0")/../../tests/integration/lib.sh"
sb_require_root
(($# >= 2)) || sb_fail "usage: bench/dispatch/compare.sh OLD_SBD NEW_SBD [ROUNDS [SECONDS]]"
old=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-6}
seconds=${4:-3}

. "$(dirname "$0")/setup.sh"
dispatch_setup 8081 3
sb_bg sbd-old ip netns exec "$SB_NS_ROUTER" "$old" -t -l ::ffff:127.0.0.1 -p 1 -f "$table"
old_pid=$SB_LAST_PID
sb_bg sbd-new ip netns exec "$SB_NS_ROUTER" "$new" -t -l ::ffff:127.0.0.1 -p 3 -f "$table"
new_pid=$SB_LAST_PID
sb_wait_for 10 "old sbd listening" sb_listening "$SB_NS_ROUTER" 1
sb_wait_for 10 "new sbd listening" sb_listening "$SB_NS_ROUTER" 3

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run() { # PID PORT -> "rate cpu_us_per_conn"
  local before after out
  before=$(ticks "$1")
  out=$(dispatch_load "$2" --seconds "$seconds")
  after=$(ticks "$1")
  grep -q 'errors=0' <<<"$out" || echo "  (errors: ${out##*errors=})" >&2
  awk -v o="$out" -v t=$((after - before)) -v hz="$hz" 'BEGIN {
    match(o, /connections=[0-9]+/); n = substr(o, RSTART + 12, RLENGTH - 12)
    match(o, /rate=[0-9]+/); r = substr(o, RSTART + 5, RLENGTH - 5)
    printf "%d %.1f", r, (n > 0 ? t * 1e6 / hz / n : 0) }'
}
printf '%-6s %-26s %-26s %s\n' round "old: conn/s, cpu us/conn" "new: conn/s, cpu us/conn" "new/old rate, cpu"
rates=() cpus=()
for r in $(seq "$rounds"); do
  if ((r % 2)); then o=$(run "$old_pid" 80); n=$(run "$new_pid" 8081)
  else n=$(run "$new_pid" 8081); o=$(run "$old_pid" 80); fi
  read -r orate ocpu <<<"$o"
  read -r nrate ncpu <<<"$n"
  rr=$(awk -v a="$nrate" -v b="$orate" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  cr=$(awk -v a="$ncpu" -v b="$ocpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  rates+=("$rr") cpus+=("$cr")
  printf '%-6s %-26s %-26s %s %s\n' "$r" "$orate $ocpu" "$nrate $ncpu" "$rr" "$cr"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "median new/old: connection rate $(median "${rates[@]}"), sbd CPU per connection $(median "${cpus[@]}")"
