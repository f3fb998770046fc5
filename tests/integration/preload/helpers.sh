# Shared by the preload integration tests; source after lib.sh.
#
# pl_dispatch DEST=PATH... : sbd in the router namespace on
# [::ffff:127.0.0.1]:$SB_TPROXY_PORT with IPV6_TRANSPARENT, its table sending
# connections whose local (destination) address is DEST to PATH; everything
# else is closed. DEST is an IPv6 or IPv4 address. The table is
# $SB_TMP/sbd.table, the control socket $SB_TMP/sbd.ctl.
pl_dispatch() {
  local route
  {
    echo "# written by the preload tests"
    echo "rule-set:0"
    for route in "$@"; do echo "ip:${route%%=*} jump-unix:${route#*=}"; done
  } >"$SB_TMP/sbd.table"
  sb_bg dispatcher sb_in "$SB_NS_ROUTER" sbd -t -l ::ffff:127.0.0.1 -p "$SB_TPROXY_PORT" \
    -f "$SB_TMP/sbd.table" --control "$SB_TMP/sbd.ctl"
  PL_DISPATCHER_PID=$SB_LAST_PID
  sb_wait_for 10 "sbd to serve" grep -q "sbd: serving" "$SB_TMP/dispatcher.log"
}

# pl_sbd_status: sbd's control answer (JSON) for assertions.
pl_sbd_status() { printf 'status\n' | socat -t 5 - "UNIX-CONNECT:$SB_TMP/sbd.ctl"; }

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
  # Printed after bind and listen (a stale socket file may exist earlier).
  sb_wait_for 10 "python $name to serve" grep -q "Serving HTTP" "$SB_TMP/$name.log"
}

# pl_curl ARGS...: curl from the client namespace, failing fast.
pl_curl() { sb_in "$SB_NS_CLIENT" curl -sS -m 5 --noproxy '*' "$@"; }

# pl_require_cmd CMD...: skip when a server under test is not installed.
pl_require_cmd() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null || sb_skip "$c is not installed"; done
}

# pl_sshd_setup: host key, client key, authorized_keys and a config for
# sshd (OpenSSH) in $SB_TMP; sshd logs to $SB_TMP/sshd.log via -E.
# Extra config lines may be given as arguments.
pl_sshd_setup() {
  # Privilege separation needs its empty directory (the package makes it
  # at service start, which never happened here).
  [[ -d /run/sshd ]] || install -d -m 0755 /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$SB_TMP/hostkey"
  ssh-keygen -q -t ed25519 -N '' -f "$SB_TMP/userkey"
  cp "$SB_TMP/userkey.pub" "$SB_TMP/authorized_keys"
  {
    echo "HostKey $SB_TMP/hostkey"
    echo "PidFile $SB_TMP/sshd.pid"
    echo "AuthorizedKeysFile $SB_TMP/authorized_keys"
    echo "PermitRootLogin yes"
    echo "StrictModes no"
    echo "UsePAM no"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    local line
    for line in "$@"; do echo "$line"; done
  } >"$SB_TMP/sshd_config"
}

# pl_ssh HOST CMD: key login as root from the client namespace.
pl_ssh() {
  local host=$1
  shift
  sb_in "$SB_NS_CLIENT" timeout 20 ssh -i "$SB_TMP/userkey" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5 "root@$host" "$@"
}

# pl_nginx_conf FILE SERVER_BLOCK: an nginx configuration for a test: in the
# foreground with 2 workers, every path under $SB_TMP, and the given server
# block (its listen line names the address sb-preload maps).
pl_nginx_conf() {
  cat >"$1" <<CONF
daemon off;
master_process on;
worker_processes 2;
pid $SB_TMP/nginx.pid;
error_log $SB_TMP/nginx-error.log info;
events { worker_connections 256; }
http {
  access_log $SB_TMP/access.log;
  client_body_temp_path $SB_TMP/body;
  proxy_temp_path $SB_TMP/proxy;
  fastcgi_temp_path $SB_TMP/fastcgi;
  uwsgi_temp_path $SB_TMP/uwsgi;
  scgi_temp_path $SB_TMP/scgi;
$2
}
CONF
}
