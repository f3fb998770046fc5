# Helpers shared by the sbd integration tests. Source after lib.sh.
SBD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# receiver_start NS PATH NAME [ARGS...]: a test receiver (receiver.py) in
# namespace NS, bound at PATH, answering "box=NAME peer=... local=... port=...".
# Sets RECEIVER_PID (the python process, for kill -STOP and friends).
receiver_start() {
  local ns=$1 path=$2 name=$3
  shift 3
  rm -f "$path"
  sb_bg "recv-$name" sb_in "$ns" python3 "$SBD_DIR/receiver.py" "$path" "$name" "$@"
  sb_wait_path 10 "$path"
  RECEIVER_PID=$(pgrep -f "receiver.py $path $name" | head -1)
}

# stale_socket PATH: a socket file at PATH that nobody is bound to any more,
# as a receiver that exited leaves behind: sends to it are refused.
stale_socket() {
  rm -f "$1"
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$1"
}

# sbd_start NS CONTROL ARGS...: sbd in namespace NS with a control socket at
# CONTROL; waits until it answers. Sets SBD_PID and SBD_CTL.
sbd_start() {
  local ns=$1
  SBD_CTL=$2
  shift 2
  sb_bg sbd sb_in "$ns" sbd --control "$SBD_CTL" "$@"
  SBD_PID=$SB_LAST_PID
  sb_wait_for 10 "sbd's control socket" sbd_ctl status
  sb_wait_for 10 "sbd to log that it serves" grep -q "sbd: serving" "$SB_TMP/sbd.log"
}

# sbd_ctl COMMAND: one control command, prints the JSON answer.
sbd_ctl() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$SBD_CTL"; }

# client ADDR PORT [TIMEOUT]: connects from the client namespace; prints the
# receiver's line, RESET, CLOSED, REFUSED or TIMEOUT.
client() { sb_in "$SB_NS_CLIENT" python3 "$SBD_DIR/client.py" "$@"; }

# expect_box ADDR PORT NAME: the connection must reach receiver NAME and the
# receiver must see the client's real address.
expect_box() {
  local got
  got=$(client "$1" "$2")
  [[ $got == "box=$3 peer=$SB_CLIENT6 "* ]] || sb_fail "[$1]:$2: expected box=$3 peer=$SB_CLIENT6, got '$got'"
}

# expect_reset ADDR PORT: the connection must be reset promptly (not hang).
expect_reset() {
  local got
  got=$(client "$1" "$2" 3)
  [[ $got == RESET ]] || sb_fail "[$1]:$2: expected a reset, got '$got'"
}

# json_get JSON PYTHON-EXPR: evaluates an expression over the parsed JSON `j`.
json_get() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# target_counter PATH FIELD: a per-target counter from `status`
# (FIELD: sent, missing, refused, full, other).
target_counter() {
  json_get "$(sbd_ctl status)" "next((t['sent'] if '$2'=='sent' else t['failed']['$2']) for t in j['targets'] if t.get('path')=='$1')"
}

# sbd_stop: stops the sbd of sbd_start with SIGTERM and checks it went
# cleanly: it logged stopping, exited, and (in sanitizer builds) reported
# nothing.
sbd_stop() {
  local pid
  pid=$(json_get "$(sbd_ctl status)" "j['pid']")
  kill -TERM "$pid"
  sb_wait_for 10 "sbd to exit on SIGTERM" bash -c "! kill -0 $pid 2>/dev/null"
  sb_assert_contains "$(cat "$SB_TMP/sbd.log")" "SIGTERM: stopping" "sbd's log"
  # (LeakSanitizer cannot run chrooted or without ptrace rights; it then
  # says "encountered a fatal error", which is not a finding.)
  if grep -qE "ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error" "$SB_TMP/sbd.log"; then
    sb_fail "sanitizer report in sbd's log"
  fi
  [[ ! -e $SBD_CTL ]] || [[ -n ${SBD_KEEPS_CTL:-} ]] || sb_fail "control socket $SBD_CTL left behind"
}
