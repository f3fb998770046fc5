#!/usr/bin/env bash
# sb-preload's command line and environment, and what a user sees when a
# mapping is wrong: one clear line, exit 2 (or 126/127 for the command);
# bind() failing with the path and reason; a bad SB_PRELOAD_MAP disabling
# the library without breaking the program; --no-inherit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/helpers.sh"
sb_require_root
pl_require_cmd /usr/bin/python3

lib=$(readlink -f "$SB_BUILD_DIR/lib/libsbpreload.so")

expect_usage_error() {  # expect_usage_error MESSAGE ARGS...
  local want=$1 rc=0
  shift
  sb-preload "$@" >"$SB_TMP/out" 2>"$SB_TMP/err" || rc=$?
  sb_assert_eq 2 "$rc" "exit status of sb-preload $*"
  sb_assert_eq 1 "$(wc -l <"$SB_TMP/err")" "lines on stderr for sb-preload $*"
  sb_assert_contains "$(cat "$SB_TMP/err")" "$want" "stderr of sb-preload $*"
}
expect_usage_error "give at least one --map, --listener or --connect" -- true
expect_usage_error "--map and --listener: mapping 2 '[::]:80=/b': address and port mapped twice" --map '[::]:80=/a' --listener '[::]:80=/b' -- true
expect_usage_error "--listener-wait: Value -1 not in range" --listener '[::]:80=/a' --listener-wait -1 -- true
expect_usage_error "--map 'bogus': expected ADDR:PORT=PATH" --map bogus -- true
expect_usage_error "--map '[::]:99999=/x': port must be a number from 1 to 65535" --map '[::]:99999=/x' -- true
expect_usage_error "--map '::1:80=/x': address is not an IPv4 address or a bracketed IPv6 address" --map '::1:80=/x' true
expect_usage_error "address and port mapped twice" --map '[::]:80=/a' --map '[::]:80=/b' -- true
expect_usage_error "missing COMMAND" --map '[::]:80=/x'
expect_usage_error "--connect 'fd00::1:80=/x': address is not an IPv4 address or a bracketed IPv6 address" --connect 'fd00::1:80=/x' -- true
expect_usage_error "--connect: mapping 2 '[fd00::1]:80=/b': address and port mapped twice" --connect '[fd00::1]:80=/a' --connect '[fd00::1]:80=/b' -- true
expect_usage_error "--require-uid 'no-such-user-sb': no such user" --map '[::]:80=/x' --require-uid no-such-user-sb -- true

rc=0
sb-preload --map '[::]:80=/x' -- /nonexistent/program 2>"$SB_TMP/err" || rc=$?
sb_assert_eq 127 "$rc" "exit status for a missing command"
sb_assert_contains "$(cat "$SB_TMP/err")" "cannot run '/nonexistent/program'" "missing command"

# The environment the server gets: library first, earlier preloads kept,
# relative paths made absolute, uid names resolved.
out=$(cd "$SB_TMP" && LD_PRELOAD=/nonexistent/other.so sb-preload --map '[::]:80=rel.sock' --map '192.0.2.1:22=/s' \
  --require-uid nobody -- sh -c 'echo "$LD_PRELOAD"; echo "$SB_PRELOAD_MAP"; echo "$SB_PRELOAD_UID"' 2>/dev/null)
sb_assert_eq "$lib:/nonexistent/other.so" "$(sed -n 1p <<<"$out")" "LD_PRELOAD"
sb_assert_eq "[::]:80=$SB_TMP/rel.sock" "$(sed -n 2p <<<"$out")" "first mapping"
sb_assert_eq "192.0.2.1:22=/s" "$(sed -n 3p <<<"$out")" "second mapping"
sb_assert_eq "$(id -u nobody)" "$(sed -n 4p <<<"$out")" "SB_PRELOAD_UID"

# --connect alone: SB_PRELOAD_CONNECT only; two addresses may share a path.
out=$(cd "$SB_TMP" && SB_PRELOAD_MAP=stale sb-preload --connect '[fd00::1]:80=srv.sock' --connect '192.0.2.1:80=srv.sock' \
  -- sh -c 'echo "map=[${SB_PRELOAD_MAP-unset}]"; echo "$SB_PRELOAD_CONNECT"' 2>/dev/null)
sb_assert_eq "map=[unset]" "$(sed -n 1p <<<"$out")" "SB_PRELOAD_MAP with --connect only"
sb_assert_eq "[fd00::1]:80=$SB_TMP/srv.sock" "$(sed -n 2p <<<"$out")" "first connect mapping"
sb_assert_eq "192.0.2.1:80=$SB_TMP/srv.sock" "$(sed -n 3p <<<"$out")" "second connect mapping"
out=$(LD_PRELOAD=$lib SB_PRELOAD_CONNECT='[fd00::1]:80' sh -c 'echo ran' 2>"$SB_TMP/err")
sb_assert_eq ran "$out" "program under a bad SB_PRELOAD_CONNECT"
sb_assert_contains "$(cat "$SB_TMP/err")" "SB_PRELOAD_CONNECT: mapping 1 '[fd00::1]:80': expected ADDR:PORT=PATH; not intercepting anything"

# A broken environment disables the library with one line; the program runs.
out=$(LD_PRELOAD=$lib SB_PRELOAD_MAP='garbage' sh -c 'echo ran' 2>"$SB_TMP/err")
sb_assert_eq ran "$out" "program under a bad SB_PRELOAD_MAP"
sb_assert_contains "$(cat "$SB_TMP/err")" "SB_PRELOAD_MAP: mapping 1 'garbage': expected ADDR:PORT=PATH; not intercepting anything"

# In a namespace of our own: a mapping whose directory is missing fails the
# bind with ENOENT and names the path; nothing listens instead.
ns=$(pl_server_ns wrp)
rc=0
sb_in "$ns" sb-preload --map "[::]:80=$SB_TMP/missing/x.sock" -- /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::", 80))' 2>"$SB_TMP/err" || rc=$?
[[ $rc -ne 0 ]] || sb_fail "bind to a mapping in a missing directory succeeded"
sb_assert_contains "$(cat "$SB_TMP/err")" \
  "bind [::]:80: cannot create receiving socket $SB_TMP/missing/x.sock: No such file or directory"
sb_assert_contains "$(cat "$SB_TMP/err")" "FileNotFoundError" "python's view of the failed bind"

# Children inherit the library unless --no-inherit, which drops it from
# LD_PRELOAD once the server has bound its mapped address.
child_preload() {
  sb_in "$ns" sb-preload --map "[::]:80=$SB_TMP/inh.sock" "$@" -- /usr/bin/python3 -c '
import socket, subprocess
s = socket.socket(socket.AF_INET6)
s.bind(("::", 80))
print(subprocess.run(["sh", "-c", "echo \"[$LD_PRELOAD]\""], capture_output=True, text=True).stdout.strip())'
}
sb_assert_eq "[$lib]" "$(child_preload)" "LD_PRELOAD of a child by default"
sb_assert_eq "[]" "$(child_preload --no-inherit)" "LD_PRELOAD of a child with --no-inherit"
sb_pass
