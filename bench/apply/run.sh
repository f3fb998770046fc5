#!/usr/bin/env bash
# bench/apply/run.sh [ROUNDS] [make_profile.py options...]: times sbctl on
# the issue-10 profile (10,000 IPv6 prefixes x 100 ports, 10,000 AnyIP
# routes, 10,000 [[route]]s) in a throw-away network namespace, as root.
# Per round, with a fresh state dir: first apply, re-apply with no changes,
# diff, rollback (to nothing), apply again, down. Prints each step's median
# over ROUNDS (default 5) and min/max, in seconds, wall and CPU. sbd is not started:
# apply warns that it is not running and goes on, as in the tests.
# SB_BUILD_DIR picks the build (default ./build).
set -euo pipefail
rounds=${1:-5}
shift || true
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [ROUNDS] [make_profile.py options]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tests/integration/lib.sh"
sb_require_root
command -v sbctl >/dev/null || sb_fail "no sbctl in $SB_BIN (build first)"

ns=$(sb_netns sbap)
profile=$SB_TMP/bench.toml
python3 "$here/make_profile.py" "$SB_TMP" "$@" >"$profile"

steps=(apply reapply diff rollback apply2 down)
declare -A wall cpu
# step NAME CMD...: runs CMD, appends its wall time and CPU time (user +
# system: steadier on a shared machine); any failure ends the bench.
step() {
  local name=$1 rc=0 t real user sys
  shift
  t=$(
    TIMEFORMAT='%R %U %S'
    { time "$@" >"$SB_TMP/out" 2>&1; } 2>&1
  ) || rc=$?
  # diff exits 1 when there are differences; everything else must be 0.
  if ((rc != 0)) && ! [[ $name == diff && $rc == 1 ]]; then
    cat "$SB_TMP/out" >&2
    sb_fail "$name: exit $rc"
  fi
  read -r real user sys <<<"$t"
  wall[$name]+="$real "
  cpu[$name]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') "
}

for ((r = 1; r <= rounds; r++)); do
  st=$SB_TMP/state$r
  step apply sbctl apply "$profile" --netns "$ns" --state-dir "$st"
  step reapply sbctl apply "$profile" --netns "$ns" --state-dir "$st"
  grep -q '^no changes' "$SB_TMP/out" || sb_fail "re-apply changed something: $(cat "$SB_TMP/out")"
  step diff sbctl diff "$profile" --netns "$ns"
  step rollback sbctl rollback --state-dir "$st"
  step apply2 sbctl apply "$profile" --netns "$ns" --state-dir "$st"
  step down sbctl down "$profile" --netns "$ns" --state-dir "$st"
  [[ -z $(ip -n "$ns" route show table local proto 91) ]] || sb_fail "down left routes behind"
done

# median min max of the numbers on stdin
stats() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                                             printf "%7.3f %7.3f %7.3f", m, v[1], v[NR] }'; }
printf '%-9s %-23s   %-23s  (%d rounds)\n' "" "wall s: median min max" "CPU s: median min max" "$rounds"
for s in "${steps[@]}"; do
  # shellcheck disable=SC2086
  printf '%-9s %s   %s\n' "$s" "$(printf '%s\n' ${wall[$s]} | stats)" "$(printf '%s\n' ${cpu[$s]} | stats)"
done
