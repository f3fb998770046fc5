#!/usr/bin/env bash
# CPU time and system calls per relayed connection, as sb-relay spends them:
# perf stat on sb-relay for 4 s of run.sh's conn/s load (one round, 1 MiB
# bulk, so the bulk download adds next to nothing). Fewer figures than
# run.sh, but far steadier on a loaded machine: they do not depend on how
# much CPU the other processes leave.
#   bench/relay/cpu_per_conn.sh [SB-RELAY-BINARY]
# (SB_BIN as for run.sh; the binary defaults to $SB_BIN/sb-relay.)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SB_BIN=${SB_BIN:-$PWD/build/bin}
exe=$(readlink -f "${1:-$SB_BIN/sb-relay}")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bench/relay/run.sh 1 5 1 >/dev/null 2>&1 &
bp=$!
pid=
for _ in $(seq 200); do
  for p in $(pgrep -x sb-relay); do
    [[ $(readlink "/proc/$p/exe") == "$exe" ]] && pid=$p
  done
  [[ -n $pid ]] && break
  sleep 0.1
done
[[ -n $pid ]] || { echo "no sb-relay running $exe" >&2; exit 1; }
sleep 3 # sbd, nginx and HAProxy up: the conn/s rounds have begun
timeout -s INT 4 perf stat -x, -e task-clock,syscalls:sys_enter_socket,raw_syscalls:sys_enter -p "$pid" -o "$out"
wait $bp
# One socket() per relayed connection (its target).
awk -F, '/task-clock/ { t = $1 } /sys_enter_socket/ { s = $1 } /raw_syscalls/ { r = $1 }
  END { if (s > 0) printf "connections %d  CPU us/connection %.1f  syscalls/connection %.2f\n", s, t * 1000 / s, r / s }' "$out"
