#!/usr/bin/env bash
# sb-inetd: sshd -i per received socket (a real ssh login, the session sees
# the client's real address); a shell program gets the socket as stdin and
# stdout; --max-children holds further connections until a child exits;
# children are reaped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/sbin/sshd ssh ssh-keygen

sb_topology
srv=$(pl_server_ns srv)
pl_dispatch "fd01:db8:1:40::1:10=$SB_TMP/ssh.sock" "fd01:db8:1:40::1:11=$SB_TMP/echo.sock"
pl_sshd_setup
sb_bg inetd-ssh sb_in "$srv" sb-inetd "$SB_TMP/ssh.sock" /usr/sbin/sshd -i -f "$SB_TMP/sshd_config" -E "$SB_TMP/sshd.log"
sb_wait_path 10 "$SB_TMP/ssh.sock"

out=$(pl_ssh fd01:db8:1:40::1:10 'echo "$SSH_CONNECTION"') || sb_fail "ssh login through sb-inetd failed"
sb_assert_eq "$SB_CLIENT6" "${out%% *}" "client address seen by the sshd -i session"
sb_wait_for 5 "sshd to log the client" grep -q "Accepted publickey for root from $SB_CLIENT6" "$SB_TMP/sshd.log"

# A line-echoing program, one child at a time.
sb_bg inetd-echo sb_in "$srv" sb-inetd --max-children 1 "$SB_TMP/echo.sock" \
  /bin/sh -c 'read -r line; echo "got $line"'
inetd_pid=$SB_LAST_PID
sb_wait_path 10 "$SB_TMP/echo.sock"

talk() {  # talk NAME: a connection whose input comes from fifo $SB_TMP/NAME.in
  mkfifo "$SB_TMP/$1.in"
  sb_in "$SB_NS_CLIENT" timeout 20 bash -c \
    'exec 3<>/dev/tcp/fd01:db8:1:40::1:11/80; cat "$1" >&3 & cat <&3' _ "$SB_TMP/$1.in" >"$SB_TMP/$1.out" &
  exec {fd}>"$SB_TMP/$1.in"
  eval "fd_$1=$fd"
}
talk first
sb_wait_for 5 "the first child to start" sh -c "ip netns pids $srv | xargs -r ps -o args= -p | grep -q '^/bin/sh -c read'"
talk second
# The second connection waits: its child must not run while the first lives.
for _ in $(seq 10); do
  [[ $(ip netns pids "$srv" | xargs -r ps -o args= -p | grep -c '^/bin/sh -c read') -le 1 ]] ||
    sb_fail "--max-children 1 ran two children"
  sleep 0.05
done
echo "b" >&"$fd_second"
[[ -s $SB_TMP/second.out ]] && sb_fail "the second connection was served while the first child ran"
echo "a" >&"$fd_first"
sb_wait_for 5 "the first reply" grep -qx "got a" "$SB_TMP/first.out"
sb_wait_for 5 "the second reply" grep -qx "got b" "$SB_TMP/second.out"
exec {fd_first}>&- {fd_second}>&-

# Children are reaped: no zombies left under sb-inetd.
inetd_real=$(pgrep -f "sb-inetd --max-children 1" | head -n1)
sb_wait_for 5 "children to be reaped" sh -c "! ps -o stat= --ppid $inetd_real | grep -q Z"
sb_pass
