#!/usr/bin/env bash
# nginx (master + 2 workers, epoll) behind sb-preload: many requests in a
# row and in parallel from the client namespace, the access log shows the
# client's real address; multi-fd datagrams wake the workers; after a
# reload (SIGHUP, new workers) it keeps serving. (A binary upgrade, SIGUSR2,
# cannot be tried here: nginx ignores it while its parent is alive, which
# with "daemon off" it always is.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd nginx curl

sb_topology
srv=$(pl_server_ns srv)
sock=$SB_TMP/nginx.sock
pl_dispatch "fd01:db8:1:40::1:10=$sock"

mkdir -p "$SB_TMP/www"
for i in $(seq 5); do echo "page $i" >"$SB_TMP/www/p$i.html"; done
pl_nginx_conf "$SB_TMP/nginx.conf" "  server {
    listen [::]:80;
    root $SB_TMP/www;
  }"
sb_bg nginx sb_in "$srv" sb-preload --map "[::]:80=$sock" -- nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
sb_wait_path 10 "$sock"
sb_wait_for 10 "two nginx workers" bash -c "(( \$(pgrep -c -P \"\$(cat '$SB_TMP/nginx.pid' 2>/dev/null || echo 1)\") >= 2 ))"

url=http://[fd01:db8:1:40::1:10]
for i in $(seq 40); do
  n=$(( (i % 5) + 1 ))
  out=$(pl_curl "$url/p$n.html") || sb_fail "request $i in a row failed"
  sb_assert_eq "page $n" "$out" "request $i"
done

pids=()
for i in $(seq 30); do
  pl_curl -o "$SB_TMP/par.$i" "$url/p3.html" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || sb_fail "a parallel request failed"; done
for i in $(seq 30); do sb_assert_eq "page 3" "$(cat "$SB_TMP/par.$i")" "parallel request $i"; done

count=$(grep -c "^$SB_CLIENT6 .*\"GET /p" "$SB_TMP/access.log" || true)
sb_assert_eq 70 "$count" "access log lines naming the client $SB_CLIENT6"

# Four sockets per datagram: epoll must wake a worker for every one.
sb_bg batch sb_in "$srv" sb-test-sendconn --batch 4 ::1 8080 "*=$sock"
sb_wait_for 10 "the batching sender" grep -q listening "$SB_TMP/batch.log"
pids=()
for i in $(seq 12); do
  sb_in "$srv" curl -sS -m 5 -o "$SB_TMP/batch.$i" "http://[::1]:8080/p1.html" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || sb_fail "a connection of a 4-fd datagram was not served"; done

# Reload: the master keeps its endpoint.
master=$(cat "$SB_TMP/nginx.pid")
kill -HUP "$master"
sb_wait_for 10 "the reload" grep -q "reconfiguring" "$SB_TMP/nginx-error.log"
sb_wait_for 10 "the old workers to exit" sh -c "grep -c 'exited with code 0' '$SB_TMP/nginx-error.log' | grep -q 2"
for i in $(seq 10); do
  out=$(pl_curl "$url/p2.html") || sb_fail "request $i after reload failed"
  sb_assert_eq "page 2" "$out" "after reload"
done

grep -q "emerg" "$SB_TMP/nginx-error.log" && sb_fail "nginx reported: $(grep emerg "$SB_TMP/nginx-error.log")"
sb_pass
