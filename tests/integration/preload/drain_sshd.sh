#!/usr/bin/env bash
# Drain with real servers (issue 13): two sb-preload'ed sshd, a and b,
# behind one failover route applied by sbctl. A long-lived ssh session to
# a is open while `sbctl drain` sends new connections to b and `sbctl
# undrain` brings them back to a: the session keeps working through both,
# because drain only changes where sbd sends NEW connections; one already
# handed off belongs to sshd a and never passes through sbd again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
. "$(dirname "$0")/../sbctl/sbctl_helpers.sh"
sb_require_root
pl_require_cmd /usr/sbin/sshd ssh ssh-keygen

SB_TOPOLOGY_KERNEL=0 sb_topology
srv=$(pl_server_ns srv)
dest=fd01:db8:1:40::1:10
a=$SB_TMP/a.sock
b=$SB_TMP/b.sock
cat >"$SB_TMP/box.toml" <<P
[daemon]
table   = "$SB_TMP/sbd.conf"
control = "$SB_TMP/sbd.ctl"

[[steer]]
prefixes = ["$SB_PREFIX6"]
ports    = [22]

[[route]]
name = "ssh"
dest = "$dest"
port = 22
to   = ["unix:$a", "unix:$b"]
P
sbctl apply "$SB_TMP/box.toml" --netns "$SB_NS_ROUTER" --state-dir "$STATE" --yes >/dev/null 2>&1
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p "$SB_TPROXY_PORT" -f "$SB_TMP/sbd.conf"

# Each sshd tells its sessions which box they are on ($BOX).
pl_sshd_setup "ListenAddress [::]:22"
sshd_start() {
  local name=$1 sock=$2
  sed "s|$SB_TMP/sshd.pid|$SB_TMP/sshd-$name.pid|" "$SB_TMP/sshd_config" >"$SB_TMP/sshd_config.$name"
  echo "SetEnv BOX=$name" >>"$SB_TMP/sshd_config.$name"
  sb_bg "sshd-$name" sb_in "$srv" sb-preload --map "[::]:22=$sock" -- \
    /usr/sbin/sshd -D -e -f "$SB_TMP/sshd_config.$name" -E "$SB_TMP/sshd-$name.log"
  sb_wait_path 10 "$sock"
  sb_wait_for 10 "sshd $name to listen" grep -q "Server listening" "$SB_TMP/sshd-$name.log"
}
sshd_start a "$a"
sshd_start b "$b"

# expect_ssh_box NAME: a new ssh login lands on sshd NAME.
expect_ssh_box() {
  local out
  out=$(pl_ssh "$dest" 'echo "box=$BOX"') || sb_fail "ssh login (expecting $1) failed"
  sb_assert_eq "box=$1" "$out" "box of a new ssh login"
}
expect_ssh_box a

# The long-lived session: a cat on a, fed and read through a coprocess.
# (pl_ssh's 20 s timeout would end it; this one lives until the test ends.)
coproc SESSION {
  exec ip netns exec "$SB_NS_CLIENT" ssh -T -i "$SB_TMP/userkey" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5 \
    -o ServerAliveInterval=2 -o ServerAliveCountMax=3 \
    "root@$dest" 'echo "box=$BOX"; exec cat' 2>"$SB_TMP/session.err"
}
# Copies: bash unsets SESSION and SESSION_PID once the coprocess is reaped.
session_pid=$SESSION_PID
session_in=${SESSION[1]}
session_out=${SESSION[0]}
_sb_pids+=("$session_pid")
# session_echo LINE: LINE goes through the session and comes back.
session_echo() {
  local got=""
  printf '%s\n' "$1" >&"$session_in" || sb_fail "the ssh session is gone ($1): $(cat "$SB_TMP/session.err")"
  read -r -t 10 -u "$session_out" got || sb_fail "no echo of '$1' through the ssh session: $(cat "$SB_TMP/session.err")"
  sb_assert_eq "$1" "$got" "echo through the ssh session"
}
read -r -t 20 -u "$session_out" hello || sb_fail "the ssh session did not start: $(cat "$SB_TMP/session.err")"
sb_assert_eq "box=a" "$hello" "the session's box"
session_echo before-drain

sbctl drain ssh --state-dir "$STATE" >"$SB_TMP/out" 2>&1 || sb_fail "drain: $(cat "$SB_TMP/out")"
sb_assert_eq "drained generation 2: route 'ssh' -> unix:$b, sbd reloaded" "$(cat "$SB_TMP/out")" "drain's output"
expect_ssh_box b
expect_ssh_box b
session_echo after-drain
logins() { grep -c 'Accepted publickey' "$SB_TMP/sshd-$1.log" || true; }
sb_assert_eq 2 "$(logins a)" "logins sshd a accepted (the first and the session)"
sb_assert_eq 2 "$(logins b)" "logins sshd b accepted while a was drained"

sbctl undrain ssh --state-dir "$STATE" >"$SB_TMP/out" 2>&1 || sb_fail "undrain: $(cat "$SB_TMP/out")"
sb_assert_contains "$(cat "$SB_TMP/out")" "undrained generation 3: route 'ssh'" "undrain's output"
expect_ssh_box a
session_echo after-undrain

# The session ends as the user ends it: EOF, cat exits, ssh exits 0.
exec {session_in}>&-
rc=0
wait "$session_pid" || rc=$?
sb_assert_eq 0 "$rc" "the ssh session's exit status ($(cat "$SB_TMP/session.err"))"
sbd_stop
sb_pass
