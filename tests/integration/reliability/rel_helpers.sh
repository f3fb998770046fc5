# Helpers shared by the reliability tests. Source after lib.sh; sources the
# sbd tests' helpers (receiver_start, sbd_start, sbd_ctl, client, json_get...).
REL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$REL_DIR/../sbd/sbd_helpers.sh"

# fast_receiver_start NS PATH NAME [--hold]: sb-test-receiver in namespace NS.
# Sets RECEIVER_PID.
fast_receiver_start() {
  local ns=$1 path=$2 name=$3
  shift 3
  rm -f "$path"
  sb_bg "recv-$name" sb_in "$ns" sb-test-receiver "$path" "$name" "$@"
  sb_wait_path 10 "$path"
  RECEIVER_PID=$(pgrep -f "^sb-test-receiver $path $name" | head -1)
  [[ -n $RECEIVER_PID ]] || sb_fail "receiver $name did not start"
}

# loadgen ARGS...: sb-loadgen from the client namespace (one result line).
loadgen() { sb_in "$SB_NS_CLIENT" sb-loadgen "$@"; }

# load_start NAME ARGS...: sb-loadgen --until-stopped from the client
# namespace, in the background until `load_stop NAME`, so the load lasts as
# long as the test needs it however slow the machine is. Killed at exit.
load_start() {
  local name=$1
  shift
  # ip execs sb-loadgen in the background child, so $! is sb-loadgen itself.
  ip netns exec "$SB_NS_CLIENT" sb-loadgen --until-stopped "$@" >"$SB_TMP/$name.out" 2>"$SB_TMP/$name.log" &
  _sb_pids+=($!)
  printf -v "LOAD_PID_$name" '%s' $!
}

# load_stop NAME: stops that load, waits for it, and sets LOAD_OUT to its
# result line. (Not in $(...): only this shell can wait for its child.)
load_stop() {
  local var=LOAD_PID_$1
  kill -TERM "${!var}" 2>/dev/null || true
  wait "${!var}" || true
  LOAD_OUT=$(cat "$SB_TMP/$1.out")
  [[ -n $LOAD_OUT ]] || sb_fail "sb-loadgen $1 printed no result: $(cat "$SB_TMP/$1.log")"
}

# field LINE NAME: the value of NAME=... in a key=value line.
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

# cpu_ticks PID: user + system CPU time of PID in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cpu_ns PID: CPU time of PID in nanoseconds (for windows too short for ticks).
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }

# fd_count PID: open descriptors of PID.
fd_count() { ls "/proc/$1/fd" | wc -l; }

# rss_kb PID: resident memory of PID in kB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# status_get EXPR: a value from sbd's `status` answer (json_get over it).
status_get() { json_get "$(sbd_ctl status)" "$1"; }

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# rate_mark: remembers sbd's dispatched counter and the time, for rate_since.
rate_mark() {
  RATE_D=$(status_get "j['connections']['dispatched']")
  RATE_T=$(now_ms)
}

# rate_since: connections dispatched per second since rate_mark.
rate_since() {
  local d t
  d=$(status_get "j['connections']['dispatched']")
  t=$(now_ms)
  echo $(((d - RATE_D) * 1000 / (t - RATE_T > 0 ? t - RATE_T : 1)))
}

# rate_over MS: the dispatch rate over the next MS milliseconds (bounded by
# the time, not a count, so a slow machine gives a lower rate, not a hang).
rate_over() {
  rate_mark
  sleep "$(awk "BEGIN{print $1/1000}")"
  rate_since
}

# rate_kept_through WHAT CMD...: the dispatch rate over the 2 s before CMD,
# and from CMD's start over at least 2 s and until CMD is done (CMD starts
# a reload and waits for it to end), must stay above half. On a busy
# machine a neighbour alone can halve the rate for a moment, so up to 3
# tries; a loop that stops dispatching fails every one.
rate_kept_through() {
  local what=$1 try before during elapsed
  shift
  for try in 1 2 3; do
    before=$(rate_over 2000)
    rate_mark
    "$@"
    elapsed=$(($(now_ms) - RATE_T))
    ((elapsed >= 2000)) || sleep "$(awk "BEGIN{print (2000 - $elapsed)/1000}")"
    during=$(rate_since)
    sb_log "$what (try $try): $during/s during, $before/s before"
    (($before > 0)) || sb_fail "$what: no connections dispatched before"
    ((2 * during > before)) && return 0
  done
  sb_fail "$what: the dispatch rate fell to $during/s from $before/s (not above half), 3 tries"
}
