# Shared by the preload integration tests; source after lib.sh.
#
# The dispatcher in the router namespace: sbd once it is on this branch,
# until then sb-test-sendconn (the same protocol, one fd per datagram).
# pl_dispatch DEST=PATH... : starts it on [::ffff:127.0.0.1]:$SB_TPROXY_PORT
# with IPV6_TRANSPARENT, sending connections for local address DEST to PATH.
pl_dispatch() {
  sb_bg dispatcher sb_in "$SB_NS_ROUTER" sb-test-sendconn -t ::ffff:127.0.0.1 "$SB_TPROXY_PORT" "$@"
  PL_DISPATCHER_PID=$SB_LAST_PID
  sb_wait_for 10 "the dispatcher to listen" grep -q listening "$SB_TMP/dispatcher.log"
}

# pl_server_ns NAME: an isolated server namespace with loopback only. Its
# Unix datagram queues hold 512 instead of the kernel default 10 (the
# setting is per network namespace and applies to the receiving socket):
# with 10, a burst of parallel connections overflows the endpoint and the
# dispatcher has to close some, as docs/sb-preload.md explains.
pl_server_ns() {
  local ns
  ns=$(sb_netns "$1")
  sb_in "$ns" sysctl -qw net.unix.max_dgram_qlen=512
  echo "$ns"
}

# pl_python NAME NS PATH [sb-preload options]: python3 -m http.server on
# [::]:80 in NS, serving $SB_TMP/www, behind sb-preload mapping [::]:80=PATH.
pl_python() {
  local name=$1 ns=$2 path=$3
  shift 3
  mkdir -p "$SB_TMP/www"
  sb_bg "$name" sb_in "$ns" sb-preload --map "[::]:80=$path" "$@" -- \
    /usr/bin/python3 -u -m http.server --bind :: --directory "$SB_TMP/www" 80
  sb_wait_path 10 "$path"
}

# pl_curl ARGS...: curl from the client namespace, failing fast.
pl_curl() { sb_in "$SB_NS_CLIENT" curl -sS -m 5 --noproxy '*' "$@"; }

# pl_require_cmd CMD...: skip when a server under test is not installed.
pl_require_cmd() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null || sb_skip "$c is not installed"; done
}
