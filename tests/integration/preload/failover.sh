#!/usr/bin/env bash
# Failover (jump-unix-any): two sb-preload'ed nginx behind one table entry,
# a client load of HTTP requests that runs until the test stops it. All
# requests go to the first nginx while it lives; it goes away mid-load and
# from then on sbd passes every connection on to the second; sbd's status
# counts the failovers.
#
# FAILOVER_MODE=graceful (the default): nginx a is shut down with SIGQUIT
# (it stops taking connections, finishes the ones it has, exits). No client
# sees a reset or a refusal, except, rarely, one whose connection was
# waiting in a's socket when nginx closed it (counted and printed).
#
# FAILOVER_MODE=kill (failover_kill.sh): every process of nginx a gets
# SIGKILL at once. The connections sbd had already handed to a (accepted by
# a worker, or waiting in a's socket queue) die with it: those clients, and
# only those, see an error; the test counts and prints them. Every
# connection after the kill is served by b.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd nginx python3 setsid
mode=${FAILOVER_MODE:-graceful}

sb_topology
srv=$(pl_server_ns srv)
dest=fd01:db8:1:40::1:10
a=$SB_TMP/a.sock
b=$SB_TMP/b.sock
# The profile's failover list, compiled by sbctl into sbd's table.
cat >"$SB_TMP/box.toml" <<P
[[steer]]
prefixes = ["$SB_PREFIX6"]
ports = [80]

[[route]]
name = "web"
dest = "$dest"
port = 80
to = ["unix:$a", "unix:$b"]
P
sb_assert_eq "$SB_TMP/box.toml: ok: 1 route, 1 steer block, 0 socket directories" \
  "$(sbctl check "$SB_TMP/box.toml" 2>&1)" "sbctl check"
sbctl compile "$SB_TMP/box.toml" -o "$SB_TMP/sbd.table"
grep -q "^ip:$dest port:80 jump-unix-any:$a,$b\$" "$SB_TMP/sbd.table" ||
  sb_fail "compiled table: $(cat "$SB_TMP/sbd.table")"
out=$(sbctl explain "$SB_TMP/box.toml" "$dest" 80 --netns "$SB_NS_ROUTER")
sb_assert_contains "$out" "sbd would send it to the first that takes it of 1. unix:$a, 2. unix:$b" "explain"
out=$(sbctl explain "$SB_TMP/box.toml" "$dest" 80 --netns "$SB_NS_ROUTER" --json)
sb_assert_eq "unix-any:$a,$b ['unix:$a', 'unix:$b']" \
  "$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j["verdict"], j["route"]["failover"])' "$out")" "explain --json"
sb_bg dispatcher sb_in "$SB_NS_ROUTER" sbd -t -l ::ffff:127.0.0.1 -p "$SB_TPROXY_PORT" \
  -f "$SB_TMP/sbd.table" --control "$SB_TMP/sbd.ctl"
sb_wait_for 10 "sbd to serve" grep -q "sbd: serving" "$SB_TMP/dispatcher.log"

# nginx_start NAME SOCKET: an sb-preload'ed nginx whose /who.html says
# "server=NAME", with its own pid file and logs under $SB_TMP/NAME.
nginx_start() {
  local name=$1 sock=$2 dir=$SB_TMP/$1
  mkdir -p "$dir/www"
  echo "server=$name" >"$dir/www/who.html"
  pl_nginx_conf "$dir/nginx.conf" "  server {
    listen [::]:80;
    root $dir/www;
  }"
  sed -i "s|$SB_TMP/nginx.pid|$dir/nginx.pid|; s|$SB_TMP/nginx-error.log|$dir/error.log|;
          s|$SB_TMP/access.log|$dir/access.log|" "$dir/nginx.conf"
  # Its own process group, so that a SIGKILL reaches master and workers at
  # once: killed one by one, the master respawns a killed worker, or a
  # worker outlives its killed master, and keeps serving on the socket.
  sb_bg "nginx-$name" sb_in "$srv" setsid -w sb-preload --map "[::]:80=$sock" -- nginx -c "$dir/nginx.conf" -p "$dir"
  sb_wait_path 10 "$sock"
  sb_wait_for 10 "two workers of nginx $name" \
    sh -c "test \"\$(pgrep -c -P \"\$(cat '$dir/nginx.pid' 2>/dev/null || echo 1)\")\" -ge 2"
}
nginx_start a "$a"
nginx_start b "$b"
master_a=$(cat "$SB_TMP/a/nginx.pid")

# served NAME: requests nginx NAME has logged.
served() {
  local n
  n=$(grep -c '"GET /who.html' "$SB_TMP/$1/access.log" 2>/dev/null) || true
  echo "${n:-0}"
}
at_least() { (($("$1" "$2") >= $3)); }
json_get() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
# counter PATH EXPR: EXPR of PATH's counters in sbd's status ("['sent']").
counter() { json_get "$(pl_sbd_status)" "next(t$2 for t in j['targets'] if t.get('path')=='$1')"; }

# The load: 4 threads, 200 requests/s in all, until stopped.
ip netns exec "$SB_NS_CLIENT" python3 "$(dirname "$0")/http_load.py" "http://[$dest]/who.html" 4 200 \
  >"$SB_TMP/load.out" 2>"$SB_TMP/load.log" &
load_pid=$!
_sb_pids+=("$load_pid")

sb_wait_for 30 "nginx a to serve 100 requests" at_least served a 100
sb_assert_eq 0 "$(served b)" "requests nginx b served while a lived"

# Mid-load, the first receiver goes away.
# a_released: no process has a's receiving socket open any more (then
# sbd's sends there are refused; while one has, they queue in it).
a_released() { ! sb_in "$srv" ss -Hxap | grep -F " $a " >/dev/null; }
if [[ $mode == kill ]]; then
  pgid=$(ps -o pgid= -p "$master_a" | tr -d ' ')
  [[ -n $pgid && $pgid != "$(ps -o pgid= -p $$ | tr -d ' ')" ]] || sb_fail "nginx a is not in a process group of its own"
  kill -KILL -- "-$pgid"
else
  kill -QUIT "$master_a"
fi
sb_wait_for 30 "nginx a to exit" sh -c "! kill -0 $master_a"
sb_wait_for 10 "every process of nginx a to close its socket" a_released
before=$(served b)
sb_wait_for 30 "nginx b to serve 100 more requests" at_least served b $((before + 100))
failed_over() { (($(counter "$a" "['failovers']") > 0)); }
sb_wait_for 10 "sbd to count failovers from a" failed_over

kill -TERM "$load_pid"
wait "$load_pid" || sb_fail "the load client failed: $(cat "$SB_TMP/load.log")"
out=$(cat "$SB_TMP/load.out")
sb_log "load ($mode): $out; a served $(served a), b served $(served b)"
# load_count KEY: a number of the load's summary line (requests, errors, a, b).
load_count() { { grep -o "\b$1=[0-9]*" <<<"$out" || echo "$1=0"; } | cut -d= -f2; }
sent_a=$(counter "$a" "['sent']")
sent_b=$(counter "$b" "['sent']")
# What a user can rely on: the only clients that fail are those whose
# connection sbd had handed to a before it went away; b served all the
# others. After SIGKILL those are the ones a had accepted or had queued.
# A graceful stop loses the ones queued in a's socket when nginx closed it
# (as a TCP listener's backlog): none in most runs, rarely one or two; to
# lose none, drain first (docs/operations.md, Failover).
lost=$((sent_a - $(load_count a)))
sb_log "connections handed to a that died with it: $lost; the clients' errors: $(load_count errors)"
[[ $lost -eq 0 ]] || sed 's/^/  /' "$SB_TMP/load.log" >&2
sb_assert_eq "$lost" "$(load_count errors)" "client errors (connections lost with a)"
sb_assert_eq "$sent_b" "$(load_count b)" "connections handed to b that its clients saw served"
sb_assert_eq "$sent_b" "$(served b)" "requests nginx b logged"
if [[ $mode == graceful ]]; then
  # nginx a answered, and logged, every connection it took.
  sb_assert_eq "$(load_count a)" "$(served a)" "requests nginx a logged"
fi

# sbd: every connection handed off, none reset; a's failovers are its
# refusals since it exited (the socket file stays), and b took them all.
sb_assert_eq 0 "$(json_get "$(pl_sbd_status)" "j['connections']['failed']")" "connections sbd reset"
failovers=$(counter "$a" "['failovers']")
sb_assert_eq "$failovers" "$(($(counter "$a" "['failed']['refused']") + $(counter "$a" "['failed']['missing']")))" "a's failovers: its refusals"
((failovers > 0 && failovers <= $(served b))) || sb_fail "a's failovers: $failovers, b served $(served b)"
sb_assert_eq 0 "$(counter "$b" "['failovers']")" "b's failovers"
# The metrics say the same.
metrics=$(printf 'metrics\n' | socat -t 5 - "UNIX-CONNECT:$SB_TMP/sbd.ctl")
sb_assert_contains "$metrics" "socketbox_sbd_target_failovers_total{target=\"$a\"} $failovers" "metrics"
sb_assert_contains "$metrics" "socketbox_sbd_target_failovers_total{target=\"$b\"} 0" "metrics"
# sbctl status shows them in its table of targets.
out=$(sbctl status --netns "$SB_NS_ROUTER" --state-dir "$SB_TMP/state" --control "$SB_TMP/sbd.ctl" || true)
sb_assert_contains "$out" "FAILOVERS" "sbctl status"
grep -Eq "^ *$a +$sent_a +[0-9]+ +[0-9]+ +0 +0 +$failovers *\$" <<<"$out" ||
  sb_fail "sbctl status does not show a's $failovers failovers: $out"
sb_pass
