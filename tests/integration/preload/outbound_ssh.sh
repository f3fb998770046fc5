#!/usr/bin/env bash
# Outbound reach (sb-preload --connect) with OpenSSH: ssh in a client box
# that has loopback only logs in to sshd in a second box (sshd under
# sb-preload --map) with no network between them. The session sees the
# connection as from ::1 to the address ssh dialled; sshd logs it. An
# address whose server is missing gives ssh's "Connection refused".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/sbin/sshd ssh ssh-keygen

cli=$(pl_server_ns cli)
srv=$(pl_server_ns srv)
sock=$SB_TMP/sshd.sock
pl_sshd_setup "ListenAddress [::]:22"
sb_bg sshd sb_in "$srv" sb-preload --map "[::]:22=$sock" -- \
  /usr/sbin/sshd -D -e -f "$SB_TMP/sshd_config" -E "$SB_TMP/sshd.log"
sb_wait_path 10 "$sock"

# cssh HOST CMD: key login as root from the client box under sb-preload.
cssh() {
  local host=$1
  shift
  sb_in "$cli" sb-preload --connect "[fd01:db8:1:40::1:10]:22=$sock" \
    --connect "[fd01:db8:1:40::1:11]:22=$SB_TMP/nobody.sock" -- \
    timeout 20 ssh -i "$SB_TMP/userkey" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5 "root@$host" "$@"
}

out=$(cssh fd01:db8:1:40::1:10 'echo "$SSH_CONNECTION"; hostname; echo done') || sb_fail "ssh login failed"
conn=$(sed -n 1p <<<"$out")
sb_assert_eq "::1" "${conn%% *}" "client address in \$SSH_CONNECTION ($conn)"
sb_assert_contains "$conn" " fd01:db8:1:40::1:10 22" "server address in \$SSH_CONNECTION"
sb_assert_eq done "$(sed -n 3p <<<"$out")" "the command's output"
sb_wait_for 5 "sshd to log the login" grep -q "Accepted publickey for root from ::1 port" "$SB_TMP/sshd.log"

# Data both ways, more than a socket buffer's worth.
head -c 3000000 /dev/urandom >"$SB_TMP/blob"
sum=$(cssh fd01:db8:1:40::1:10 'sha256sum' <"$SB_TMP/blob") || sb_fail "ssh with a 3 MB stdin failed"
sb_assert_eq "$(sha256sum <"$SB_TMP/blob")" "$sum" "checksum of 3 MB sent over ssh"

# Nobody receives at the path: ssh says "Connection refused" (exit 255).
rc=0
cssh fd01:db8:1:40::1:11 true 2>"$SB_TMP/refused.err" || rc=$?
sb_assert_eq 255 "$rc" "ssh's exit status for a missing server"
sb_assert_contains "$(cat "$SB_TMP/refused.err")" \
  "connect to host fd01:db8:1:40::1:11 port 22: Connection refused" "ssh's error"
sb_pass
