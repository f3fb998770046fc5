#!/usr/bin/env bash
# The socketbox demo: the seed's story in throw-away network namespaces.
#
#   LAN client ──veth── router ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ┬─ box 1 (lo only): sshd, nginx
#   fd00:c::2           AnyIP + TPROXY -> sbd     ├─ box 2 (lo only): sshd,
#                       sbd hands each accepted   │           python3 -m http.server
#                       socket over SCM_RIGHTS ───┘
#
# The router applies profiles/router-public-prefix.toml with sbctl (its paths
# moved into a temporary directory) and runs sbd. The boxes have no route to
# anything: their real, unmodified servers run behind sb-preload and receive
# connections for 2001:db8:1:40::1:10 and ::1:11 from sbd, seeing the client's
# real address. Every other address of the prefix is closed.
#
# Run as root (it makes network namespaces): scripts/demo, or bash demo/demo.sh
# after a build. Everything it makes is removed when it exits, also on Ctrl-C
# or failure. Exit status 0 only if every step behaved as shown.
set -euo pipefail

SB_SOURCE_DIR=${SB_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SB_BUILD_DIR=${SB_BUILD_DIR:-$SB_SOURCE_DIR/build}
SB_TEST_NAME=demo
# lib.sh: namespaces, background processes and temp files that are cleaned up
# by its EXIT trap, and bounded waiting.
. "$SB_SOURCE_DIR/tests/integration/lib.sh"
sb_require_root

for prog in sbd sbctl sb-preload; do
  [[ -x $SB_BIN/$prog ]] || sb_fail "$SB_BIN/$prog is missing: build first (scripts/build)"
done
for prog in /usr/sbin/sshd ssh ssh-keygen nginx /usr/bin/python3 curl openssl; do
  command -v "$prog" >/dev/null || sb_fail "$prog is missing: run scripts/install-deps"
done

PREFIX=2001:db8:1:40
PROFILE=$SB_SOURCE_DIR/profiles/router-public-prefix.toml
RUN=$SB_TMP/run         # stands in for /run/socketbox
ETC=$SB_TMP/etc         # stands in for /etc/socketbox
CTL=$SB_TMP/sbd.ctl
KEY=$SB_TMP/client_key
failures=0
served=0 closed=0 # what the transcript expects sbd to have counted

say() { printf '%s\n' "$*"; }
# ok|bad DESCRIPTION: one verdict line of the transcript (green/red on a terminal).
if [[ -t 1 ]]; then green=$'\033[32m' red=$'\033[31m' plain=$'\033[0m'; else green='' red='' plain=''; fi
ok() { printf '    %sok%s  %s\n' "$green" "$plain" "$*"; }
bad() { printf '    %sUNEXPECTED%s  %s\n' "$red" "$plain" "$*"; failures=$((failures + 1)); }
show() { sed 's/^/    | /'; }

# --- the network -------------------------------------------------------------
# Client and router as in the tests' standard shape; the router's kernel state
# (AnyIP route, TPROXY rules) comes from sbctl below, not from lib.sh.
SB_PREFIX6=$PREFIX::/64
SB_TOPOLOGY_KERNEL=0
sb_topology
CLIENT=$SB_NS_CLIENT
ROUTER=$SB_NS_ROUTER
BOX1=$(sb_netns sbb1)
BOX2=$(sb_netns sbb2)

# --- the profile, applied by sbctl ------------------------------------------
# The example profile as shipped, with /run/socketbox and /etc/socketbox moved
# into the demo's temporary directory. The socket directories keep the seed's
# layout (setgid, ACL for the container's root) but with group root, so the
# demo needs no socketbox-access group on this machine.
mkdir -p "$ETC" "$SB_TMP/state"
mkdir -m 2755 "$RUN"
sed -e "s|/run/socketbox/sbd.ctl|$CTL|" -e "s|/run/socketbox|$RUN|g" -e "s|/etc/socketbox|$ETC|g" \
  -e 's|"socketbox-access"|"root"|' "$PROFILE" >"$SB_TMP/profile.toml"
sbctl check "$SB_TMP/profile.toml" >"$SB_TMP/sbctl-check.log" 2>&1 ||
  sb_fail "sbctl check rejected the profile: $(cat "$SB_TMP/sbctl-check.log")"
sbctl apply "$SB_TMP/profile.toml" --yes --netns "$ROUTER" --state-dir "$SB_TMP/state" \
  >"$SB_TMP/sbctl-apply.log" 2>&1 || sb_fail "sbctl apply failed: $(cat "$SB_TMP/sbctl-apply.log")"

# --- sbd in the router ------------------------------------------------------
sb_bg sbd ip netns exec "$ROUTER" sbd -t -l ::ffff:127.0.0.1 -p 1 -f "$ETC/sbd.conf" --control "$CTL"
sb_wait_path 10 "$CTL"

# --- the servers in the boxes, unmodified, behind sb-preload -----------------
ssh-keygen -q -t ed25519 -N '' -f "$KEY"
cp "$KEY.pub" "$SB_TMP/authorized_keys"
mkdir -p /run/sshd  # sshd's privilege separation directory (Debian's unit makes it)
start_sshd() {  # start_sshd BOX_NAME NETNS SOCKET
  local name=$1 ns=$2 sock=$3 dir=$SB_TMP/$1
  mkdir -p "$dir"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  cat >"$dir/sshd_config" <<EOF
AddressFamily inet6
ListenAddress ::
HostKey $dir/host_key
PidFile none
AuthorizedKeysFile $SB_TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv SB_BOX=$name
EOF
  sb_bg "sshd-$name" ip netns exec "$ns" sb-preload --map "[::]:22=$sock" -- /usr/sbin/sshd -D -e -f "$dir/sshd_config"
}
start_sshd box1 "$BOX1" "$RUN/00001/sshd.sock"
start_sshd box2 "$BOX2" "$RUN/00002/sshd.sock"

# box 1: nginx with two workers, http and https.
B1=$SB_TMP/box1
mkdir -p "$B1/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=box1 \
  -keyout "$B1/key.pem" -out "$B1/cert.pem" 2>/dev/null
cat >"$B1/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $B1/nginx.pid;
error_log $B1/nginx-error.log;
events { worker_connections 64; }
http {
  access_log $B1/nginx-access.log;
  client_body_temp_path $B1/tmp/body;
  proxy_temp_path $B1/tmp/proxy;
  fastcgi_temp_path $B1/tmp/fastcgi;
  uwsgi_temp_path $B1/tmp/uwsgi;
  scgi_temp_path $B1/tmp/scgi;
  default_type text/plain;
  server {
    listen [::]:80;
    listen [::]:443 ssl;
    ssl_certificate $B1/cert.pem;
    ssl_certificate_key $B1/key.pem;
    location / { return 200 "nginx on box1 (\$scheme) says: you are \$remote_addr\n"; }
  }
}
EOF
sb_bg nginx ip netns exec "$BOX1" sb-preload --map "[::]:80=$RUN/00001/http.sock" \
  --map "[::]:443=$RUN/00001/https.sock" -- nginx -e "$B1/nginx-error.log" -c "$B1/nginx.conf"

# box 2: Python's http.server.
B2=$SB_TMP/box2
mkdir -p "$B2/www"
echo "python http.server on box2" >"$B2/www/hello.txt"
sb_bg python-http ip netns exec "$BOX2" env PYTHONUNBUFFERED=1 sb-preload --map "[::]:80=$RUN/00002/http.sock" \
  -- /usr/bin/python3 -m http.server --bind :: --directory "$B2/www" 80

for sock in 00001/sshd.sock 00001/http.sock 00001/https.sock 00002/sshd.sock 00002/http.sock; do
  sb_wait_path 15 "$RUN/$sock"
done

# --- the transcript -----------------------------------------------------------
in_client() { ip netns exec "$CLIENT" "$@"; }
ssh_to() {
  in_client ssh -F /dev/null -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 "root@$1" \
    'echo "box=$SB_BOX client=${SSH_CONNECTION%% *}"' 2>&1
}
curl_to() { in_client curl -sS -k --max-time 5 "$1" 2>&1; }

say ""
say "socketbox demo"
say "  LAN client  $SB_CLIENT6 ($CLIENT)"
say "  router      $ROUTER: $PREFIX::/64 steered to sbd by sbctl apply (profiles/router-public-prefix.toml)"
say "  box1        $BOX1, loopback only: sshd, nginx (2 workers), behind sb-preload"
say "  box2        $BOX2, loopback only: sshd, python3 -m http.server, behind sb-preload"
say ""

# expect_ssh ADDR BOX: ssh answered by BOX, which saw the client's own address.
expect_ssh() {
  say "\$ ssh root@$1 'echo box=\$SB_BOX client=\${SSH_CONNECTION%% *}'"
  local out
  out=$(ssh_to "$1") || true
  show <<<"$out"
  served=$((served + 1))
  if [[ $out == *"box=$2 client=$SB_CLIENT6"* ]]; then
    ok "$2's sshd answered and saw the client as $SB_CLIENT6"
  else
    bad "expected $2's sshd to answer with client $SB_CLIENT6"
  fi
}
# sbd_closed ADDR PORT: sbd's log says it closed a connection to [ADDR]:PORT
# because no route takes it (waits briefly: the log line and the client's
# error race).
sbd_closed() {
  local deadline=$((SECONDS + 3))
  until grep -qF -- "-> [$1]:$2: no matching rule" "$SB_TMP/sbd.log"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
# expect_closed_ssh ADDR: nobody owns ADDR: sbd closes the connection.
expect_closed_ssh() {
  say "\$ ssh root@$1"
  local out rc=0
  out=$(ssh_to "$1") || rc=$?
  show <<<"$out"
  closed=$((closed + 1))
  if ((rc == 255)) && sbd_closed "$1" 22; then
    ok "no box owns $1: sbd closed the connection"
  else
    bad "expected sbd to close the connection to $1 (ssh exit $rc)"
  fi
}
# expect_http URL TEXT: the page contains TEXT.
expect_http() {
  say "\$ curl $1"
  local out
  out=$(curl_to "$1") || true
  show <<<"$out"
  served=$((served + 1))
  if [[ $out == *"$2"* ]]; then ok "$3"; else bad "expected '$2'"; fi
}
# expect_closed_http URL ADDR PORT: sbd closes the connection.
expect_closed_http() {
  say "\$ curl $1"
  local out rc=0
  out=$(curl_to "$1") || rc=$?
  show <<<"$out"
  closed=$((closed + 1))
  if ((rc != 0)) && sbd_closed "$2" "$3"; then
    ok "no server owns [$2]:$3: sbd closed the connection"
  else
    bad "expected sbd to close the connection to [$2]:$3 (curl exit $rc)"
  fi
}

expect_ssh "$PREFIX::1:10" box1
expect_ssh "$PREFIX::1:11" box2
expect_closed_ssh "$PREFIX::1:12"
expect_ssh "$PREFIX::1:10" box1
expect_closed_ssh "$PREFIX::1:0"
expect_http "https://[$PREFIX::1:10]/" "nginx on box1 (https) says: you are $SB_CLIENT6" \
  "box1's nginx answered https and saw the client as $SB_CLIENT6"
expect_http "http://[$PREFIX::1:10]/" "nginx on box1 (http) says: you are $SB_CLIENT6" \
  "box1's nginx answered http"
expect_http "http://[$PREFIX::1:11]/hello.txt" "python http.server on box2" "box2's http.server answered"
if grep -q "^$SB_CLIENT6 .*GET /hello.txt" "$SB_TMP/python-http.log"; then
  ok "box2's http.server logged the client as $SB_CLIENT6:"
  grep "GET /hello.txt" "$SB_TMP/python-http.log" | tail -n 1 | show
else
  bad "box2's http.server log does not name $SB_CLIENT6"
fi
expect_closed_http "https://[$PREFIX::1:11]/" "$PREFIX::1:11" 443
expect_closed_http "https://[$PREFIX::1:f]/" "$PREFIX::1:f" 443
expect_closed_http "http://[$PREFIX::1234:5678]/" "$PREFIX::1234:5678" 80

# Why was ::1:12 closed? sbctl explain walks the compiled table.
say ""
say "\$ sbctl explain router-public-prefix.toml $PREFIX::1:12 22"
sbctl explain "$SB_TMP/profile.toml" "$PREFIX::1:12" 22 --netns "$ROUTER" 2>&1 | show || true

# What sbd counted, through its control socket.
say ""
say "\$ sbctl status"
status=$(sbctl status --state-dir "$SB_TMP/state" --netns "$ROUTER" 2>&1) || true
show <<<"$status"
if [[ $status == *"dispatched $served, no match $closed, failed 0"* ]]; then
  ok "sbd handed over $served connections and closed $closed, as above"
else
  bad "expected sbd's counters to say: dispatched $served, no match $closed, failed 0"
fi

say ""
if ((failures == 0)); then
  say "demo: everything behaved as shown; cleaning up"
  exit 0
fi
sb_fail "$failures step(s) did not behave as expected"
