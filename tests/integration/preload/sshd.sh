#!/usr/bin/env bash
# OpenSSH's sshd behind sb-preload: a real ssh client in the client
# namespace logs in with a key and runs a command; the session sees the
# client's real address in $SSH_CONNECTION and sshd's log names it. sshd
# re-execs itself for every connection (rexec) and on SIGHUP (rebinding
# through the library): both keep working. The login shell does not
# inherit LD_PRELOAD (sshd builds the session environment afresh).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/sbin/sshd ssh ssh-keygen

sb_topology
srv=$(pl_server_ns srv)
sock=$SB_TMP/sshd.sock
pl_dispatch "fd01:db8:1:40::1:10=$sock"
pl_sshd_setup "ListenAddress [::]:22"
sb_bg sshd sb_in "$srv" sb-preload --map "[::]:22=$sock" -- \
  /usr/sbin/sshd -D -e -f "$SB_TMP/sshd_config" -E "$SB_TMP/sshd.log"
sb_wait_path 10 "$sock"

out=$(pl_ssh fd01:db8:1:40::1:10 'echo "$SSH_CONNECTION"; echo "preload=[$LD_PRELOAD]"') || sb_fail "ssh login failed"
conn=$(sed -n 1p <<<"$out")
sb_assert_eq "$SB_CLIENT6" "${conn%% *}" "client address in \$SSH_CONNECTION ($conn)"
sb_assert_contains "$conn" "fd01:db8:1:40::1:10 22" "server address in \$SSH_CONNECTION"
sb_assert_eq "preload=[]" "$(sed -n 2p <<<"$out")" "LD_PRELOAD in the session"
sb_wait_for 5 "sshd to log the client" grep -q "Accepted publickey for root from $SB_CLIENT6 port" "$SB_TMP/sshd.log"

# A second login: the listener is still the endpoint after a fork+rexec.
out=$(pl_ssh fd01:db8:1:40::1:10 'echo second') || sb_fail "second ssh login failed"
sb_assert_eq second "$out" "second login"

# SIGHUP: sshd closes its listener and execs itself; the new image binds
# [::]:22 again through the library (the stale socket file is replaced).
pid=$(cat "$SB_TMP/sshd.pid")
kill -HUP "$pid"
sb_wait_for 10 "sshd to re-exec" grep -q "Received SIGHUP; restarting" "$SB_TMP/sshd.log"
sb_wait_for 10 "sshd to listen again" sh -c "grep -c 'Server listening on :: port 22' '$SB_TMP/sshd.log' | grep -qx 2"
out=$(pl_ssh fd01:db8:1:40::1:10 'echo after-hup') || sb_fail "ssh login after SIGHUP failed"
sb_assert_eq after-hup "$out" "login after SIGHUP"
sb_in "$srv" ss -Htln | grep -q . && sb_fail "sshd listens on TCP in its namespace: $(sb_in "$srv" ss -Htln)"

# An address the dispatcher does not route is closed, as in the seed's transcript.
if pl_ssh fd01:db8:1:40::1:11 true 2>"$SB_TMP/unrouted.err"; then
  sb_fail "ssh to an unrouted address succeeded"
fi
sb_pass
