# Shared helpers for integration tests. Source it first thing:
#   . "$(dirname "$0")/../lib.sh"
# Every namespace, process and file a test makes through these helpers is
# removed when the script exits, also on failure or Ctrl-C. Traffic only ever
# goes to loopback or to addresses inside namespaces made here.
set -euo pipefail

SB_BUILD_DIR=${SB_BUILD_DIR:-$PWD/build}
SB_SOURCE_DIR=${SB_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SB_BIN=${SB_BIN:-$SB_BUILD_DIR/bin}
export PATH="$SB_BIN:$PATH"

# Unique per run, short (interface names are limited to 15 characters).
SB_ID=${SB_ID:-$(printf '%04x' $((($$ + RANDOM) % 65536)))}
SB_TMP=$(mktemp -d "/tmp/sbtest.$SB_ID.XXXXXX")
chmod 755 "$SB_TMP"
_sb_netns=()
_sb_pids=()
_sb_cleanups=()
_sb_failed=0

sb_log() { printf '[%s] %s\n' "${SB_TEST_NAME:-$(basename "$0" .sh)}" "$*" >&2; }

# Skips the test (ctest SKIP_RETURN_CODE 77) with a reason.
sb_skip() { sb_log "SKIP: $*"; exit 77; }

sb_fail() {
  _sb_failed=1
  sb_log "FAIL: $*"
  exit 1
}

sb_require_root() {
  [[ $(id -u) -eq 0 ]] || sb_skip "needs root for network namespaces"
  ip netns add "sbprobe$SB_ID" 2>/dev/null || sb_skip "cannot create network namespaces here"
  ip netns del "sbprobe$SB_ID"
}

# Registers a command to run at exit (last registered runs first).
sb_on_exit() { _sb_cleanups+=("$*"); }

_sb_cleanup() {
  local rc=$?
  set +e
  local i
  for ((i = ${#_sb_cleanups[@]} - 1; i >= 0; i--)); do eval "${_sb_cleanups[i]}" >/dev/null 2>&1; done
  for pid in "${_sb_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${_sb_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
  done
  # sb_netns usually runs in $(...), a subshell: its names come from the file.
  local from_file=()
  [[ -f $SB_TMP/.sb_netns ]] && mapfile -t from_file <"$SB_TMP/.sb_netns"
  for ns in "${_sb_netns[@]}" "${from_file[@]}"; do
    # Anything still running inside a namespace of ours goes with it.
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  if ((rc != 0)) && [[ -d $SB_TMP ]]; then
    sb_log "logs of the failed run:"
    for f in "$SB_TMP"/*.log; do
      [[ -s $f ]] || continue
      echo "----- $f (last 30 lines)" >&2
      tail -n 30 "$f" >&2
    done
  fi
  rm -rf "$SB_TMP"
  exit "$rc"
}
trap _sb_cleanup EXIT
trap 'exit 130' INT TERM

# sb_netns NAME: makes namespace "$NAME$SB_ID" with lo up; prints its full name.
sb_netns() {
  local ns="$1$SB_ID"
  ip netns add "$ns"
  _sb_netns+=("$ns")
  echo "$ns" >>"$SB_TMP/.sb_netns"  # seen by the cleanup even from a subshell
  ip -n "$ns" link set lo up
  echo "$ns"
}

# sb_veth NS_A NS_B IF_A IF_B: a veth pair between two namespaces, both up.
sb_veth() {
  local a=$1 b=$2 ifa=$3 ifb=$4
  ip link add "$ifa" netns "$a" type veth peer name "$ifb" netns "$b"
  ip -n "$a" link set "$ifa" up
  ip -n "$b" link set "$ifb" up
}

# sb_bg NAME CMD...: runs CMD in the background, output in $SB_TMP/NAME.log,
# killed at exit. Sets SB_LAST_PID.
sb_bg() {
  local name=$1
  shift
  "$@" >"$SB_TMP/$name.log" 2>&1 &
  SB_LAST_PID=$!
  _sb_pids+=("$SB_LAST_PID")
}

# sb_listening NS PORT: true once a TCP socket listens on PORT in NS. (ss
# exits 0 whether or not its filter matched anything, so test its output.)
sb_listening() {
  [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2") ]]
}

# sb_wait_for SECONDS DESCRIPTION CMD...: polls CMD every 50 ms until it
# succeeds; fails the test after SECONDS.
sb_wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  sb_fail "timed out after ${timeout}s waiting for: $what"
}

# sb_wait_path SECONDS PATH: waits for a socket or file to appear.
sb_wait_path() { sb_wait_for "$1" "$2 to exist" test -e "$2"; }

sb_assert_eq() {
  local expected=$1 actual=$2 what=${3:-value}
  [[ "$expected" == "$actual" ]] || sb_fail "$what: expected '$expected', got '$actual'"
}

sb_assert_contains() {
  local haystack=$1 needle=$2 what=${3:-output}
  [[ "$haystack" == *"$needle"* ]] || sb_fail "$what does not contain '$needle': $haystack"
}

sb_pass() { sb_log "PASS"; }

# sb_topology: the standard shape used by most tests.
#   client ($SB_NS_CLIENT) --veth-- router ($SB_NS_ROUTER) ; servers isolated
# The client reaches fd01:db8:1:40::/64 and 192.0.2.0/24 through the router;
# the router makes them local (AnyIP) and steers the given TCP ports to
# [::ffff:127.0.0.1]:$SB_TPROXY_PORT with TPROXY. Set SB_STEER_PORTS
# (nft set syntax, default "22, 80, 443") before calling to change the ports.
SB_CLIENT6=fd00:c::2
SB_ROUTER6=fd00:c::1
SB_CLIENT4=10.99.0.2
SB_ROUTER4=10.99.0.1
SB_PREFIX6=fd01:db8:1:40::/64
SB_PREFIX4=192.0.2.0/24
SB_TPROXY_PORT=${SB_TPROXY_PORT:-1}
sb_topology() {
  local ports=${SB_STEER_PORTS:-22, 80, 443}
  SB_NS_CLIENT=$(sb_netns sbc)
  SB_NS_ROUTER=$(sb_netns sbr)
  sb_veth "$SB_NS_CLIENT" "$SB_NS_ROUTER" "c$SB_ID" "r$SB_ID"
  ip -n "$SB_NS_CLIENT" addr add "$SB_CLIENT6/64" dev "c$SB_ID" nodad
  ip -n "$SB_NS_ROUTER" addr add "$SB_ROUTER6/64" dev "r$SB_ID" nodad
  ip -n "$SB_NS_CLIENT" addr add "$SB_CLIENT4/24" dev "c$SB_ID"
  ip -n "$SB_NS_ROUTER" addr add "$SB_ROUTER4/24" dev "r$SB_ID"
  ip -n "$SB_NS_CLIENT" route add "$SB_PREFIX6" via "$SB_ROUTER6"
  ip -n "$SB_NS_CLIENT" route add "$SB_PREFIX4" via "$SB_ROUTER4"
  if [[ ${SB_TOPOLOGY_KERNEL:-1} == 1 ]]; then
    ip -n "$SB_NS_ROUTER" route add local "$SB_PREFIX6" dev lo
    ip -n "$SB_NS_ROUTER" route add local "$SB_PREFIX4" dev lo
    ip netns exec "$SB_NS_ROUTER" nft -f - <<NFT
table inet sbtest {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    ip6 daddr $SB_PREFIX6 tcp dport { $ports } tproxy ip6 to [::ffff:127.0.0.1]:$SB_TPROXY_PORT accept
    ip daddr $SB_PREFIX4 tcp dport { $ports } tproxy ip to 127.0.0.1:$SB_TPROXY_PORT accept
  }
}
NFT
  fi
}

# sb_in NS CMD...: runs CMD inside a namespace.
sb_in() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}
