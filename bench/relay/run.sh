#!/usr/bin/env bash
# sb-relay against nginx's stream proxy and HAProxy (mode tcp), relaying the
# same way to the same backends, in one throw-away namespace (as root):
#   bench/relay/run.sh [ROUNDS [SECONDS [MIB]]]
# Paths, all on the namespace's loopback:
#   sb-relay: sbd on [::ffff:127.0.0.1]:9000 (--send-all) -> sb-relay -> backend
#   sb-relay listener (conn/s only): a listening socket on
#             [::ffff:127.0.0.1]:9020 that sbd holds and handed to sb-relay
#             (a relay route with handoff = "listener") -> sb-relay -> backend
#   nginx:    nginx stream on 127.0.0.1:9001 -> backend
#   haproxy:  haproxy on 127.0.0.1:9002 -> backend
# Two measurements per round and path, the paths interleaved within each round
# because this machine's speed drifts over minutes:
#   conn/s: sb-loadgen (connect, read "ok", close; 4 threads) for SECONDS
#   MiB/s:  one download of MIB MiB from a socat source (socat is the same
#           bottleneck on every path, so ratios are compressed toward 1)
set -euo pipefail
SB_BUILD_DIR=${SB_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}
. "$(dirname "$0")/../../tests/integration/lib.sh"
sb_require_root
rounds=${1:-5}
seconds=${2:-3}
mib=${3:-512}
for c in nginx haproxy socat; do command -v "$c" >/dev/null || sb_skip "$c is not installed"; done
stream_mod=$(ls /usr/lib/nginx/modules/ngx_stream_module.so /usr/share/nginx/modules/ngx_stream_module.so 2>/dev/null | head -1 || true)
[[ -n $stream_mod ]] || sb_skip "nginx's stream module is not installed (libnginx-mod-stream)"

ns=$(sb_netns sbrb)
# Backends: "ok" per connection (port 9100), a bulk source (port 9200).
sb_bg okserver sb_in "$ns" sb-bench-server --listen-transparent 9100
sb_bg bulk sb_in "$ns" socat -b 262144 TCP4-LISTEN:9200,bind=127.0.0.1,reuseaddr,fork \
  "SYSTEM:head -c $((mib * 1024 * 1024)) /dev/zero"

cat >"$SB_TMP/relay.toml" <<CONF
[[relay]]
path = "$SB_TMP/ok.sock"
target = "tcp:127.0.0.1:9100"

[[relay]]
path = "$SB_TMP/bulk.sock"
target = "tcp:127.0.0.1:9200"

[[relay]]
path = "$SB_TMP/okl.sock"
target = "tcp:127.0.0.1:9100"
CONF
sb_bg relay sb_in "$ns" sb-relay --config "$SB_TMP/relay.toml" --max-connections 3000
sb_wait_for 10 "sb-relay" grep -q serving "$SB_TMP/relay.log"
sb_bg sbd_ok sb_in "$ns" sbd -l ::ffff:127.0.0.1 -p 9000 -S "$SB_TMP/ok.sock" -b 4096
sb_bg sbd_bulk sb_in "$ns" sbd -l ::ffff:127.0.0.1 -p 9010 -S "$SB_TMP/bulk.sock"
printf 'listener:9020 jump-unix:%s\nrule-set:0\n' "$SB_TMP/okl.sock" >"$SB_TMP/listener.conf"
sb_bg sbd_listener sb_in "$ns" sbd -l ::ffff:127.0.0.1 -p 9030 -f "$SB_TMP/listener.conf" --control "$SB_TMP/sbd-l.ctl"
sb_wait_path 10 "$SB_TMP/sbd-l.ctl"
sb_in "$ns" python3 "$(dirname "$0")/../../tests/integration/sbd/listener_tool.py" send "$SB_TMP/sbd-l.ctl" 9020 >/dev/null
sb_wait_for 10 "sb-relay to take the listening socket" grep -q "took a listening socket (port 9020)" "$SB_TMP/relay.log"

cat >"$SB_TMP/nginx.conf" <<CONF
load_module $stream_mod;
daemon off;
worker_processes 1;
pid $SB_TMP/nginx.pid;
error_log $SB_TMP/nginx-error.log;
events { worker_connections 8192; }
stream {
  server { listen 127.0.0.1:9001 backlog=4096; proxy_pass 127.0.0.1:9100; }
  server { listen 127.0.0.1:9011; proxy_pass 127.0.0.1:9200; }
}
CONF
sb_bg nginx sb_in "$ns" nginx -c "$SB_TMP/nginx.conf" -p "$SB_TMP"
cat >"$SB_TMP/haproxy.cfg" <<CFG
global
  maxconn 8000
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
listen ok
  bind 127.0.0.1:9002
  server s 127.0.0.1:9100
listen bulk
  bind 127.0.0.1:9012
  server s 127.0.0.1:9200
CFG
sb_bg haproxy sb_in "$ns" haproxy -db -f "$SB_TMP/haproxy.cfg"
for p in 9000 9001 9002 9010 9011 9012 9100 9200; do
  sb_wait_for 10 "port $p" sb_listening "$ns" "$p"
done

rate() { # PORT -> conn/s
  sb_in "$ns" sb-loadgen --base ::ffff:127.0.0.1 --count 1 --threads 4 --port "$1" \
    --seconds "$seconds" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}
bulk() { # PORT -> MiB/s
  local start end
  start=$(date +%s.%N)
  sb_in "$ns" socat -b 262144 -u "TCP4:127.0.0.1:$1" OPEN:/dev/null
  end=$(date +%s.%N)
  awk -v m="$mib" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", m / (b - a) }'
}

printf '%-6s %-39s %-30s %s\n' round "conn/s relay relay-l nginx haproxy" "MiB/s relay nginx haproxy" ""
rr=() rl=() rn=() rh=() br=() bn=() bh=()
for r in $(seq "$rounds"); do
  a=$(rate 9000) l=$(rate 9020) b=$(rate 9001) c=$(rate 9002)
  x=$(bulk 9010) y=$(bulk 9011) z=$(bulk 9012)
  rr+=("$a") rl+=("$l") rn+=("$b") rh+=("$c") br+=("$x") bn+=("$y") bh+=("$z")
  printf '%-6s %-8s %-8s %-8s %-12s %-8s %-8s %-8s\n' "$r" "$a" "$l" "$b" "$c" "$x" "$y" "$z"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mr=$(median "${rr[@]}") ml=$(median "${rl[@]}") mn=$(median "${rn[@]}") mh=$(median "${rh[@]}")
xr=$(median "${br[@]}") xn=$(median "${bn[@]}") xh=$(median "${bh[@]}")
echo "median conn/s: sb-relay $mr  sb-relay (listener) $ml  nginx $mn  haproxy $mh"
echo "median MiB/s:  sb-relay $xr  nginx $xn  haproxy $xh"
# Ratios of the medians: the only figures comparable between runs on a
# machine whose speed drifts (above 1: sb-relay is faster).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
echo "ratio sb-relay/nginx:   conn/s $(ratio "$mr" "$mn")  MiB/s $(ratio "$xr" "$xn")"
echo "ratio sb-relay/haproxy: conn/s $(ratio "$mr" "$mh")  MiB/s $(ratio "$xr" "$xh")"
echo "ratio sb-relay (listener)/nginx: conn/s $(ratio "$ml" "$mn")  /haproxy: conn/s $(ratio "$ml" "$mh")"
