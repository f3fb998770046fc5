#!/usr/bin/env bash
# Per-connection errors are rate-limited (at most 10 lines a second), and
# what was held back is reported as "suppressed K messages"; the counters
# still count every connection.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

sb_topology
echo "rule-set:0
default jump-unix:$SB_TMP/nobody-home.sock" >"$SB_TMP/t.conf"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf"

# A burst of 60 failing connections from one process (normally well within
# a second).
secs=$(sb_in "$SB_NS_CLIENT" python3 -c '
import math, socket, time
start = time.monotonic()
for i in range(60):
    s = socket.socket(socket.AF_INET6)
    s.settimeout(5)
    try:
        s.connect(("fd01:db8:1:40::%x" % (i + 1), 80))
        s.recv(1)
    except OSError:
        pass
    s.close()
print(math.ceil(time.monotonic() - start))
')
sb_wait_for 10 "all 60 to be counted" bash -c \
  "[[ \$(printf 'status\n' | socat -t 5 - UNIX-CONNECT:$SB_TMP/sbd.ctl) == *'\"failed\":60'* ]]"
lines=$(grep -c "cannot hand off" "$SB_TMP/sbd.log")
# At most 10 a second: the burst spans at most secs + 1 one-second windows.
((lines >= 10 && lines <= 10 * (secs + 1))) || sb_fail "expected 10 to $((10 * (secs + 1))) error lines for a burst of ${secs}s, got $lines"
((secs > 3 || lines < 60)) || sb_fail "nothing was suppressed ($lines lines for 60 errors; burst took ${secs}s)"
# The next error after the window reports what was held back.
sleep 1.1   # let the one-second window pass (the limit is per wall-clock second)
expect_reset fd01:db8:1:40::ffff 80
sb_wait_for 5 "the suppressed-messages line" grep -qE "^sbd: suppressed [0-9]+ messages$" "$SB_TMP/sbd.log"
held=$(sed -nE 's/^sbd: suppressed ([0-9]+) messages$/\1/p' "$SB_TMP/sbd.log" | awk '{s += $1} END {print s + 0}')
sb_assert_eq 61 "$(($(grep -c "cannot hand off" "$SB_TMP/sbd.log") + held))" "lines written + suppressed"
sbd_stop
sb_pass
