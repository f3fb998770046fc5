#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` puts every part of socketbox where a
# Debian system (GNUInstallDirs) expects it, and nothing outside P.
. "$(dirname "$0")/../lib.sh"

prefix=$SB_TMP/prefix
cmake --install "$SB_BUILD_DIR" --prefix "$prefix" >"$SB_TMP/install.log" 2>&1 ||
  sb_fail "cmake --install failed: $(tail -n 5 "$SB_TMP/install.log")"
# Anything installed to an absolute path outside the prefix would show here.
if grep -E '^-- (Installing|Up-to-date): ' "$SB_TMP/install.log" | grep -v -- ": $prefix/"; then
  sb_fail "files were installed outside the prefix"
fi

expect() { [[ -e $prefix/$1 ]] || sb_fail "not installed: $1"; }
for f in bin/sbd bin/sb-inetd bin/sbctl bin/sb-preload bin/sb-relay lib/systemd/system/sb-relay.service \
  share/man/man8/sb-relay.8 share/doc/socketbox/relay.md \
  lib/systemd/system/sbd.service lib/systemd/system/sbd.socket lib/systemd/system/sbctl-apply.service \
  lib/systemd/system/sbctl-watch.service share/doc/socketbox/coexistence.md \
  lib/tmpfiles.d/socketbox.conf lib/sysusers.d/socketbox.conf \
  share/man/man8/sbd.8 share/man/man8/sbctl.8 share/man/man8/sb-inetd.8 share/man/man1/sb-preload.1 \
  share/man/man5/socketbox-table.5 share/doc/socketbox/overview.md share/doc/socketbox/tutorial.md; do
  expect "$f"
done
for p in "$SB_SOURCE_DIR"/profiles/*.toml; do expect "share/socketbox/profiles/$(basename "$p")"; done
preload=$(find "$prefix" -name libsbpreload.so -print -quit)
[[ -n $preload ]] || sb_fail "libsbpreload.so is not installed"
[[ $preload == "$prefix"/lib* ]] || sb_fail "libsbpreload.so is outside the library directory: $preload"

# The installed programs run from the prefix: no build-tree paths baked in.
# (A prefix outside ld.so's search path needs LD_PRELOAD-free library lookup
# through LD_LIBRARY_PATH, as after any install to such a prefix.)
export LD_LIBRARY_PATH=$prefix/lib:$(dirname "$preload")
for prog in sbd sbctl sb-inetd sb-preload sb-relay; do
  "$prefix/bin/$prog" --help >/dev/null 2>&1 || sb_fail "$prefix/bin/$prog --help failed"
  if ldd "$prefix/bin/$prog" | grep -q "not found"; then
    sb_fail "$prog does not find its libraries when installed: $(ldd "$prefix/bin/$prog" | grep 'not found')"
  fi
  if ldd "$prefix/bin/$prog" | grep -qF "$SB_BUILD_DIR"; then
    sb_fail "$prog loads libraries from the build tree: $(ldd "$prefix/bin/$prog" | grep -F "$SB_BUILD_DIR")"
  fi
done
# sb-preload finds the installed library, not the build tree's. (An ASan
# build of the library cannot be preloaded into an uninstrumented program.)
if [[ ${SB_SANITIZE:-0} != 1 ]]; then
  env_seen=$("$prefix/bin/sb-preload" --map "[::]:9=$SB_TMP/x.sock" -- env) ||
    sb_fail "installed sb-preload cannot run a command"
  sb_assert_contains "$(grep '^LD_PRELOAD=' <<<"$env_seen")" "$preload" "LD_PRELOAD set by the installed sb-preload"
fi

# Units name the binaries of the prefix the build was configured for.
configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$SB_BUILD_DIR/CMakeCache.txt")
grep -qx "ExecStart=$configured/bin/sbd .*" "$prefix/lib/systemd/system/sbd.service" ||
  sb_fail "sbd.service does not run $configured/bin/sbd: $(grep ExecStart "$prefix/lib/systemd/system/sbd.service")"
grep -q "^ExecStart=$configured/bin/sbctl apply " "$prefix/lib/systemd/system/sbctl-apply.service" ||
  sb_fail "sbctl-apply.service does not run $configured/bin/sbctl"
grep -qx "ExecStart=$configured/bin/sbctl watch" "$prefix/lib/systemd/system/sbctl-watch.service" ||
  sb_fail "sbctl-watch.service does not run $configured/bin/sbctl watch"
sb_pass
