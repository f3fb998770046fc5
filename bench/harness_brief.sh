#!/usr/bin/env bash
# ctest bench.harness_brief: bench/run --brief must still work end to end.
# It checks only that every path that ran carried connections (a rate > 0),
# that the table and the microbenchmarks printed; never a timing threshold.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root for network namespaces" >&2; exit 77; }
out=$(mktemp /tmp/sb-harness-brief.XXXXXX)
log=$(mktemp /tmp/sb-harness-brief-log.XXXXXX)
trap 'rm -f "$out" "$log"' EXIT
rc=0
"$here/run" --brief --out "$out" >"$log" 2>&1 || rc=$?
cat "$log"
if ((rc == 77)); then exit 77; fi
((rc == 0)) || { echo "FAIL: bench/run --brief exited $rc" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q '^path  *listens  *conn/s' "$log" || fail "no results table"
grep -q 'BM_MapSet/1000' "$log" || fail "lookup_bench did not run"
grep -q 'BM_HandoffLinked' "$log" || fail "handoff_bench did not run"
# Every path that ran: a row in the table and a rate > 0 in the raw results.
ran=$(awk -F'\t' 'NR > 1 { print $2 }' "$out" | sort -u)
for p in direct sbd listener; do grep -qx "$p" <<<"$ran" || fail "path $p did not run"; done
for p in $ran; do
  r=$(awk -F'\t' -v p="$p" 'NR > 1 && $2 == p { print $7 }' "$out")
  awk -v r="$r" 'BEGIN { exit !(r > 0) }' || fail "path $p: no connections (rate '$r')"
  grep -q "^$p " "$log" || fail "path $p is not in the table"
done
echo "PASS: paths ${ran//$'\n'/ } all carried connections"
