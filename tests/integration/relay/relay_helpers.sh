# Shared by the sb-relay tests; source after lib.sh and
# ../preload/helpers.sh (pl_dispatch: sbd in the router namespace; pl_server_ns).
#
# The shape: client namespace -> router (TPROXY, sbd) -> receiving socket ->
# sb-relay in an isolated server namespace (loopback only) -> a server on
# that loopback.

RL_PEER="$(dirname "${BASH_SOURCE[0]}")/peer.py"

# rl_relay NAME NS ARGS...: sb-relay in NS, logging to $SB_TMP/NAME.log,
# with its control socket at $SB_TMP/NAME.ctl. Waits until it serves.
# Sets RL_PID to sb-relay's own pid (from its status: $SB_LAST_PID is the
# subshell around "ip netns exec").
rl_relay() {
  local name=$1 ns=$2
  shift 2
  sb_bg "$name" sb_in "$ns" sb-relay --control "$SB_TMP/$name.ctl" "$@"
  sb_wait_for 30 "sb-relay $name to serve" grep -q "sb-relay: serving" "$SB_TMP/$name.log"
  RL_PID=$(rl_status "$name" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
  [[ $(cat "/proc/$RL_PID/comm") == sb-relay ]] || sb_fail "pid $RL_PID is not sb-relay"
}

# rl_status NAME: the relay's status JSON.
rl_status() { printf 'status\n' | socat -t 5 - "UNIX-CONNECT:$SB_TMP/$1.ctl"; }

# rl_counter NAME PATH KEY: one counter of the relay for receiving socket PATH.
rl_counter() {
  rl_status "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)
for r in s["relays"]:
    if r["path"] == sys.argv[1]:
        print(r[sys.argv[2]])
' "$2" "$3"
}

# rl_counter_is NAME PATH KEY VALUE: for sb_wait_for.
rl_counter_is() { [[ $(rl_counter "$1" "$2" "$3") == "$4" ]]; }

# rl_peer NS ARGS...: peer.py inside NS (foreground).
rl_peer() {
  local ns=$1
  shift
  sb_in "$ns" python3 -u "$RL_PEER" "$@"
}

# rl_peer_bg NAME NS ARGS...: peer.py server in the background; waits until
# it listens.
rl_peer_bg() {
  local name=$1 ns=$2
  shift 2
  sb_bg "$name" sb_in "$ns" python3 -u "$RL_PEER" "$@"
  sb_wait_for 30 "$name to listen" grep -q listening "$SB_TMP/$name.log"
}

# rl_fds PID: how many descriptors PID has open.
rl_fds() { ls "/proc/$1/fd" | wc -l; }
# rl_fds_are PID N: PID has N descriptors open (counted anew on every call,
# so sb_wait_for can poll it).
rl_fds_are() { [[ $(rl_fds "$1") -eq $2 ]]; }

# rl_rss_kb PID: resident memory of PID in kB.
rl_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
