#!/usr/bin/env bash
# Outbound reach (sb-preload --connect): a client box with loopback only
# reaches nginx in a second box with no network between them. curl and
# Python's urllib connect to mapped addresses; the preload hands one end of a
# socketpair to nginx's receiving socket (nginx itself under sb-preload
# --map). nginx logs the request and sees the address the client dialled; a
# missing or stopped server is a clean "Connection refused".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd nginx curl /usr/bin/python3

cli=$(pl_server_ns cli)
srv=$(pl_server_ns srv)
sock=$SB_TMP/nginx.sock
# No route anywhere from the client box: only loopback.
[[ -z $(sb_in "$cli" ip -o route show) ]] || sb_fail "the client box has routes: $(sb_in "$cli" ip route)"

mkdir -p "$SB_TMP/www"
echo "page from the other box" >"$SB_TMP/www/page.html"
pl_nginx_conf "$SB_TMP/nginx.conf" "  server {
    listen [::]:80;
    root $SB_TMP/www;
    location = /whoami { return 200 \"client=\$remote_addr server=\$server_addr:\$server_port\\n\"; }
  }"
sb_bg nginx sb_in "$srv" sb-preload --map "[::]:80=$sock" -- nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
sb_wait_path 10 "$sock"
sb_wait_for 10 "two nginx workers" bash -c "(( \$(pgrep -c -P \"\$(cat '$SB_TMP/nginx.pid' 2>/dev/null || echo 1)\") >= 2 ))"

# client ARGS...: runs ARGS in the client box under sb-preload, with the
# server's IPv6 and IPv4 address leading to nginx and one address to nobody.
client() {
  sb_in "$cli" sb-preload --connect "[fd01:db8:1:40::1:10]:80=$sock" \
    --connect "192.0.2.10:80=$sock" --connect "[fd01:db8:1:40::1:11]:80=$SB_TMP/nobody.sock" -- "$@"
}
ccurl() { client curl -sS -m 10 --noproxy '*' "$@"; }

out=$(ccurl "http://[fd01:db8:1:40::1:10]/page.html") || sb_fail "curl over IPv6 failed"
sb_assert_eq "page from the other box" "$out" "curl over IPv6"
out=$(ccurl "http://[fd01:db8:1:40::1:10]/whoami") || sb_fail "curl /whoami failed"
sb_assert_eq "client=::1 server=fd01:db8:1:40::1:10:80" "$out" "what nginx saw"
out=$(ccurl "http://192.0.2.10/whoami") || sb_fail "curl over IPv4 failed"
sb_assert_eq "client=::ffff:127.0.0.1 server=::ffff:192.0.2.10:80" "$out" "what nginx saw for IPv4"

# Keep-alive: several requests over one connection (curl reuses it).
out=$(ccurl "http://[fd01:db8:1:40::1:10]/page.html" "http://[fd01:db8:1:40::1:10]/page.html" -w '%{num_connects}\n')
sb_assert_eq $'page from the other box\n1\npage from the other box\n0' "$out" "two requests on one connection"

# In parallel.
pids=()
for i in $(seq 10); do
  ccurl -o "$SB_TMP/par.$i" "http://[fd01:db8:1:40::1:10]/page.html" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || sb_fail "a parallel request failed"; done
for i in $(seq 10); do sb_assert_eq "page from the other box" "$(cat "$SB_TMP/par.$i")" "parallel request $i"; done

# Python's urllib (blocking connect, http.client sets TCP_NODELAY).
out=$(client /usr/bin/python3 - <<'PY'
import urllib.request
for url in ("http://[fd01:db8:1:40::1:10]/page.html", "http://192.0.2.10/page.html"):
    with urllib.request.urlopen(url, timeout=10) as r:
        print(r.status, r.read().decode().strip())
PY
) || sb_fail "python urllib failed"
sb_assert_eq $'200 page from the other box\n200 page from the other box' "$out" "python urllib"

count=$(grep -c '^::1 .*"GET /page.html HTTP/1.1" 200' "$SB_TMP/access.log" || true)
sb_assert_eq 14 "$count" "access log lines of IPv6 page requests from ::1"
grep -q '^::ffff:127.0.0.1 .*"GET /page.html HTTP/1.1" 200 .*Python-urllib' "$SB_TMP/access.log" ||
  sb_fail "no access log line for python's IPv4 request: $(tail -3 "$SB_TMP/access.log")"
# nginx's own namespace listens on nothing; the client box has nothing either.
sb_in "$srv" ss -Htln | grep -q . && sb_fail "nginx listens on TCP: $(sb_in "$srv" ss -Htln)"

# Nobody receives at the path: curl exits 7 with "Connection refused".
rc=0
ccurl -v "http://[fd01:db8:1:40::1:11]/" >/dev/null 2>"$SB_TMP/refused.err" || rc=$?
sb_assert_eq 7 "$rc" "curl's exit status for a missing server"
sb_assert_contains "$(cat "$SB_TMP/refused.err")" "Connection refused" "curl's error"
out=$(client /usr/bin/python3 -c '
import urllib.request, urllib.error
try:
    urllib.request.urlopen("http://[fd01:db8:1:40::1:11]/", timeout=10)
except urllib.error.URLError as e:
    print(e.reason)
' 2>&1)
sb_assert_eq "[Errno 111] Connection refused" "$out" "python's error for a missing server"

# The server stops (its socket file stays behind, stale): refused too.
kill -TERM "$(cat "$SB_TMP/nginx.pid")"
sb_wait_for 10 "nginx to exit" sh -c "! pgrep -F '$SB_TMP/nginx.pid'"
[[ -S $sock ]] || sb_fail "expected nginx's stale socket file to remain"
rc=0
ccurl -v "http://[fd01:db8:1:40::1:10]/page.html" >/dev/null 2>"$SB_TMP/stale.err" || rc=$?
sb_assert_eq 7 "$rc" "curl's exit status for a stopped server"
sb_assert_contains "$(cat "$SB_TMP/stale.err")" "Connection refused" "curl's error for a stopped server"
sb_pass
