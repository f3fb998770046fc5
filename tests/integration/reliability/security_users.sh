#!/usr/bin/env bash
# The seed's permission layout with real users. Users A and B stand for two
# containers' root users, S for sbd (supplementary group ACC, the
# socketbox-access group). netcfg (as sbctl apply does) makes one directory
# per container: root:ACC 2750 with an ACL giving the container's user rwx.
# - A cannot create, remove or replace a socket in B's directory (nor B in
#   A's); each creates its own.
# - sbd running as S with group ACC sends to both; it cannot create sockets
#   there itself.
# - Drift (chmod, setfacl -b) is reported, and repaired by ensure.
# - A receiver requiring sbd's uid (sb-inetd --require-uid S) rejects and closes a
#   socket sent by anyone else (a forged sender running as A).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/rel_helpers.sh"
sb_require_root
command -v useradd >/dev/null && command -v setfacl >/dev/null && command -v setpriv >/dev/null ||
  sb_skip "needs useradd, setfacl and setpriv"

acc=sbacc$SB_ID
groupadd "$acc"
sb_on_exit "groupdel $acc"
for u in a b s; do
  useradd -M -N -g nogroup -d /nonexistent -s /usr/sbin/nologin "sb$u$SB_ID"
  sb_on_exit "userdel sb$u$SB_ID"
done
A=sba$SB_ID B=sbb$SB_ID S=sbs$SB_ID
uid_a=$(id -u "$A") uid_b=$(id -u "$B") uid_s=$(id -u "$S")
# as USER CMD...: runs CMD as USER (no supplementary groups), as a process
# in a container would.
as() { local u=$1; shift; setpriv --reuid "$u" --regid nogroup --clear-groups "$@"; }

root=$SB_TMP/run
dir_a=$root/00001 dir_b=$root/00002
sb-test-socketdir ensure "$dir_a" "$uid_a" "$acc"
sb-test-socketdir ensure "$dir_b" "$uid_b" "$acc"
sb_assert_eq "2755 root $acc" "$(stat -c '%a %U %G' "$root")" "the socket root"
sb_assert_eq "root $acc" "$(stat -c '%U %G' "$dir_a")" "A's directory owner"
# 2750 plus the ACL (stat shows the ACL mask in the group bits).
acl=$(getfacl -p "$dir_a" 2>/dev/null)
for entry in "flags: -s-" "user::rwx" "user:$A:rwx" "group::r-x" "other::---"; do
  sb_assert_contains "$acl" "$entry" "A's directory ACL"
done
sb-test-socketdir drift "$dir_a" "$uid_a" "$acc" || sb_fail "fresh directory reported as drifted"

# bind_sock USER PATH: binds a datagram socket at PATH as USER, mode 0660.
bind_sock() {
  as "$1" /usr/bin/python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o660)' "$2"
}
# refused WHAT CMD...: CMD must fail (permission denied).
refused() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then sb_fail "$what: allowed"; fi
  [[ $out == *"ermission denied"* ]] || sb_fail "$what: expected permission denied, got: $out"
}

# Each creates its own socket (a stale one here; live receivers below).
bind_sock "$A" "$dir_a/spare.sock"
bind_sock "$B" "$dir_b/spare.sock"
sb_assert_eq "$A $acc 660" "$(stat -c '%U %G %a' "$dir_a/spare.sock")" "A's socket (the set-group-ID directory gives it ACC)"
# A in B's directory: create, remove, replace (rename over), list - refused.
refused "A creates a socket in B's directory" bind_sock "$A" "$dir_b/evil.sock"
refused "A removes B's socket" as "$A" rm -f "$dir_b/spare.sock"
refused "A replaces B's socket" as "$A" mv "$dir_a/spare.sock" "$dir_b/spare.sock"
refused "A lists B's directory" as "$A" ls "$dir_b"
refused "B creates a socket in A's directory" bind_sock "$B" "$dir_a/evil.sock"
refused "B removes A's socket" as "$B" rm -f "$dir_a/spare.sock"
# sbd's user reads and sends but never writes the directories.
refused "S creates a socket in A's directory" setpriv --reuid "$S" --regid nogroup --groups "$acc" \
  /usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$dir_a/x.sock"
[[ -S $dir_a/spare.sock && -S $dir_b/spare.sock ]] || sb_fail "a socket went missing"

# Live receivers, one per container: A's requires sbd's uid (sb-inetd --require-uid).
sb_topology
srv=$(sb_netns srv)
# The checkout may lie under a folder only root can enter (a 0700 home or
# mktemp folder): what A and B run is copied where they can read it.
pub=$SB_TMP/pub
mkdir "$pub"
cp "$SB_BIN/sb-inetd" "$SBD_DIR/receiver.py" "$pub/"
cp -P "$SB_BUILD_DIR"/lib/libsbreceiver.so* "$pub/"
chmod -R a+rX "$pub"
sb_bg inetd-a sb_in "$srv" setpriv --reuid "$A" --regid nogroup --clear-groups \
  env LD_LIBRARY_PATH="$pub" "$pub/sb-inetd" --require-uid "$uid_s" "$dir_a/ssh.sock" sh -c 'echo served-by-A'
sb_wait_path 10 "$dir_a/ssh.sock"
sb_bg recv-b sb_in "$srv" setpriv --reuid "$B" --regid nogroup --clear-groups \
  /usr/bin/python3 "$pub/receiver.py" "$dir_b/web.sock" B
sb_wait_path 10 "$dir_b/web.sock"
chmod 755 "$SB_TMP"
printf 'rule-set:0\nip:fd01:db8:1:40::1 jump-unix:%s\nip:fd01:db8:1:40::2 jump-unix:%s\n' \
  "$dir_a/ssh.sock" "$dir_b/web.sock" >"$SB_TMP/t.conf"
chmod 644 "$SB_TMP/t.conf"
sbd_start "$SB_NS_ROUTER" "$SB_TMP/sbd.ctl" -t -p 1 -f "$SB_TMP/t.conf" -u "$S" -G "$acc" --seccomp
sb_assert_eq served-by-A "$(client fd01:db8:1:40::1 22)" "sbd (as $S) to A's receiver"
got=$(client fd01:db8:1:40::2 80)
[[ $got == "box=B peer=$SB_CLIENT6 "* ]] || sb_fail "sbd (as $S) to B's receiver: got '$got'"

# A forged sender: a process running as A (not sbd's uid) connects a TCP
# socket of its own and sends it to A's receiver. sb-inetd must close it
# unserved.
forged=$(sb_in "$srv" setpriv --reuid "$A" --regid nogroup --clear-groups /usr/bin/python3 -c '
import socket, sys
l = socket.socket(socket.AF_INET6); l.bind(("::1", 0)); l.listen()
c = socket.create_connection(("::1", l.getsockname()[1])); s, _ = l.accept()
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
u.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, s.fileno().to_bytes(4, sys.byteorder))], 0, sys.argv[1])
s.close()
c.settimeout(10)
try:
    print(c.recv(100) or b"CLOSED")
except socket.timeout:
    print("TIMEOUT")
' "$dir_a/ssh.sock")
sb_assert_eq "b'CLOSED'" "$forged" "a socket from a forged sender (uid $uid_a, not $uid_s)"
sb_assert_eq served-by-A "$(client fd01:db8:1:40::1 22)" "sbd's connections after the forged one"

# Drift: a loosened mode and a removed ACL are reported; ensure repairs.
chmod 0777 "$dir_a"
setfacl -b "$dir_b"
out=$(sb-test-socketdir drift "$dir_a" "$uid_a" "$acc") && sb_fail "chmod 0777 not reported as drift"
sb_log "drift of A's directory: $out"
[[ -n $out ]] || sb_fail "drift of A's directory: no description"
out=$(sb-test-socketdir drift "$dir_b" "$uid_b" "$acc") && sb_fail "setfacl -b not reported as drift"
sb_log "drift of B's directory: $out"
sb-test-socketdir ensure "$dir_a" "$uid_a" "$acc"
sb-test-socketdir ensure "$dir_b" "$uid_b" "$acc"
sb-test-socketdir drift "$dir_a" "$uid_a" "$acc" || sb_fail "A's directory still drifted after ensure"
sb-test-socketdir drift "$dir_b" "$uid_b" "$acc" || sb_fail "B's directory still drifted after ensure"
sb_pass
