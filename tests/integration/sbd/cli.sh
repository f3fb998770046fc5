#!/usr/bin/env bash
# What an operator sees from the command line: --check, and one clear line
# with a non-zero exit for every mistake (bad port, missing or broken table,
# unknown user, unusable address, a control path that is not a socket).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/sbd_helpers.sh"
sb_require_root

# run_sbd EXPECTED_RC EXPECTED_OUTPUT ARGS...: runs sbd (in a scratch
# namespace) and checks its exit code and its whole output.
ns=$(sb_netns cli)
run_sbd() {
  local want_rc=$1 want=$2 rc=0 out
  shift 2
  out=$(sb_in "$ns" timeout 10 sbd "$@" 2>&1) || rc=$?
  sb_assert_eq "$want_rc" "$rc" "exit code of sbd $*"
  sb_assert_eq "$want" "$out" "output of sbd $*"
}

cp "$SB_SOURCE_DIR/tests/data/seed.conf" "$SB_TMP/seed.conf"
run_sbd 0 "$SB_TMP/seed.conf: ok: 1 rule sets, 3 map sets, 4 targets" --check -f "$SB_TMP/seed.conf"
printf 'rule-set:0\nport:22 jump-map:7\n' >"$SB_TMP/bad.conf"
out=$(sbd --check -f "$SB_TMP/bad.conf" 2>&1) && sb_fail "--check accepted a jump to an undefined set"
[[ $out == "sbd: $SB_TMP/bad.conf:2:"*": error: "* && $out != *$'\n'* ]] || sb_fail "--check message: $out"

run_sbd 2 "sbd: $SB_TMP/none.conf: cannot read table: No such file or directory" -f "$SB_TMP/none.conf" -p 8080

# Only regular files, within limits (timeout 10 in run_sbd catches a FIFO
# that blocks or a device read without end).
mkfifo "$SB_TMP/fifo.conf"
run_sbd 2 "sbd: $SB_TMP/fifo.conf: is a FIFO, not a regular file" --check -f "$SB_TMP/fifo.conf"
run_sbd 2 "sbd: $SB_TMP/fifo.conf: is a FIFO, not a regular file" -f "$SB_TMP/fifo.conf" -p 8080
mkdir "$SB_TMP/dir.conf"
run_sbd 2 "sbd: $SB_TMP/dir.conf: is a directory, not a regular file" --check -f "$SB_TMP/dir.conf"
ln -s /dev/zero "$SB_TMP/zero.conf"
run_sbd 2 "sbd: $SB_TMP/zero.conf: is a character device, not a regular file" --check -f "$SB_TMP/zero.conf"
run_sbd 2 "sbd: $SB_TMP/seed.conf: larger than the limit of 100 bytes (--max-table-bytes)" \
  --check --max-table-bytes 100 -f "$SB_TMP/seed.conf"
run_sbd 2 "sbd: $SB_TMP/seed.conf:4:1: error: more than 3 entries (rules, map entries and set headers; --max-table-entries)" \
  --check --max-table-entries 3 -f "$SB_TMP/seed.conf"
run_sbd 2 "sbd: --max-table-bytes: Value 0 not in range 1 to 4294967295 (see sbd --help)" --max-table-bytes 0
printf 'rule-set:0\ndefault jump-unix:/a\001b\n' >"$SB_TMP/ctl.conf"
run_sbd 2 "sbd: $SB_TMP/ctl.conf:2:21: error: 'jump-unix:' value contains control byte 0x01; table text must be printable UTF-8" \
  --check -f "$SB_TMP/ctl.conf"
run_sbd 2 "sbd: --port: Value 70000 not in range 1 to 65535 (see sbd --help)" -p 70000
run_sbd 2 "sbd: invalid listen address 'example.org': expected an IPv6 address or a dotted quad" \
  -l example.org -p 8080 -f "$SB_TMP/seed.conf"
run_sbd 2 "sbd: unknown user 'no-such-user-$SB_ID'" -u "no-such-user-$SB_ID" -p 8080 -f "$SB_TMP/seed.conf"
run_sbd 1 "sbd: cannot bind [2001:db8::1]:8080: Cannot assign requested address (not an address of this host: add it, or use -F/--freebind)" \
  -l 2001:db8::1 -p 8080 -f "$SB_TMP/seed.conf"
touch "$SB_TMP/not-a-socket"
run_sbd 1 "sbd: control socket path $SB_TMP/not-a-socket exists and is not a socket; not replacing it" \
  -p 8080 -f "$SB_TMP/seed.conf" --control "$SB_TMP/not-a-socket"

# -F binds an address this host does not have; a second sbd on the same port
# is refused unless both use -r.
sbd_start "$ns" "$SB_TMP/a.ctl" -F -l 2001:db8::1 -p 8080 -f "$SB_TMP/seed.conf"
run_sbd 1 "sbd: cannot bind [2001:db8::1]:8080: Address already in use" -F -l 2001:db8::1 -p 8080 -f "$SB_TMP/seed.conf"

help=$(sbd --help)
for opt in -f,--table -l,--listen-address -p,--port -t,--transparent -F,--freebind -r,--reuseport -R,--no-reuseaddr \
  -s,--listen-fd -u,--user -g,--group -G,--groups -x,--chroot -S,--send-all -b,--backlog -U,--substitute-paths \
  --control --check --max-table-bytes --max-table-entries --seccomp; do
  sb_assert_contains "$help" "$opt" "sbd --help"
done
# Every tool answers --version with one line and exit 0.
version=$(sed -n 's/^project(socketbox VERSION \([0-9.]*\).*/\1/p' "$SB_SOURCE_DIR/CMakeLists.txt")
for tool in sbd sbctl sb-inetd sb-preload; do
  sb_assert_eq "$tool $version" "$("$tool" --version)" "$tool --version"
done
sb_pass
