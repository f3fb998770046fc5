# Sourced by bench/dispatch/run.sh and compare.sh (after tests/integration/lib.sh).
# dispatch_setup PORT TPROXY_PORT: the test topology with port 80 steered to
# sbd's [::ffff:127.0.0.1]:1 and PORT to [::ffff:127.0.0.1]:TPROXY_PORT; a
# 1,000-entry map table in $table that sends every destination to one
# receiver; that receiver (sb-bench-server) in an isolated namespace.
dispatch_setup() {
  SB_STEER_PORTS=80 sb_topology
  sb_in "$SB_NS_ROUTER" nft add rule inet sbtest prerouting ip6 daddr "$SB_PREFIX6" tcp dport "$1" \
    tproxy ip6 to "[::ffff:127.0.0.1]:$2" accept
  local srv
  srv=$(sb_netns sbs)
  table=$SB_TMP/bench.conf
  {
    echo "rule-set:0"
    echo "ip:fd01:db8:1:40::/64 jump-map:1"
    echo "map-set:1 match-lip:128"
    for i in $(seq 0 999); do printf 'ip:fd01:db8:1:40::1:%x jump-unix:%s/recv.sock\n' "$i" "$SB_TMP"; done
  } >"$table"
  sb_bg receiver ip netns exec "$srv" sb-bench-server --receive "$SB_TMP/recv.sock"
  sb_wait_path 10 "$SB_TMP/recv.sock"
}

# The load: 4 threads over the 1,000 addresses, run in $SB_NS_CLIENT.
dispatch_loadgen=(sb-loadgen --base fd01:db8:1:40::1:0 --count 1000 --threads 4)
# dispatch_load PORT [sb-loadgen options]
dispatch_load() {
  local port=$1
  shift
  sb_in "$SB_NS_CLIENT" "${dispatch_loadgen[@]}" --port "$port" "$@"
}
