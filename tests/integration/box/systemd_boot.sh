#!/usr/bin/env bash
# The systemd units under a real systemd as PID 1: a minimal Debian 12
# (debootstrapped from Debian's packages, cached outside the clone) gets the
# project installed as `cmake --install` puts it, a profile and test
# receivers, and boots with systemd-nspawn in a network namespace of its own.
# A unit inside (systemd_guest.sh) checks what an operator would see -
# sysusers and tmpfiles, sbctl-apply at boot, socket activation, reload,
# restart under load, status, the sandbox, a listener route's socket across
# sbd restarts (the fd store) - writes its log to a bind-mounted
# directory and powers the container off. This script prints that log and
# judges the result.
#
# The image: /var/cache/socketbox-test/bookworm-HASH (HASH of the package
# list below), built once into a temporary directory and renamed into place
# under a lock, so runs at the same time neither race nor see half an image.
# Every run boots an overlay over it: the cache stays as debootstrap left it.
# SB_IMAGE_CACHE overrides the cache directory.
. "$(dirname "$0")/../lib.sh"
[[ $(id -u) -eq 0 ]] || sb_skip "needs root to debootstrap and boot a container"
# (scripts/test's sanitizer pass leaves label systemd out: the image has no
# sanitizer run-time, and the units are the same.)
[[ ${SB_SANITIZE:-0} != 1 ]] || sb_skip "boots the normal build only, not the sanitizer build"
for tool in debootstrap systemd-nspawn flock; do
  command -v "$tool" >/dev/null || sb_skip "$tool is not installed (scripts/install-deps installs it)"
done
[[ -x $SB_BIN/sbd && -x $SB_BIN/sbctl && -x $SB_BIN/sb-test-receiver && -x $SB_BIN/sb-loadgen ]] ||
  sb_fail "sbd, sbctl, sb-test-receiver and sb-loadgen must be built"

# What the image holds: systemd as init, the kernel tools sbctl compares
# against and the guest's checks use, python3 and socat for the test's
# clients, and the run-time libraries of the project's programs that a
# minimal Debian lacks (the rest is in every base system). The guest checks
# with ldd that nothing is missing.
packages=(systemd iproute2 nftables acl python3 socat
  libnl-3-200 libnl-route-3-200 libtomlplusplus3 libmnl0 libnftnl11 libseccomp2 libacl1 liburing2
  libcpp-httplib0.11)
recipe="bookworm minbase ${packages[*]} v1"
hash=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
cache=${SB_IMAGE_CACHE:-/var/cache/socketbox-test}
image=$cache/bookworm-$hash

# host_mirror: the Debian mirror the host's apt uses for bookworm (deb822
# .sources and one-line .list files), else deb.debian.org.
host_mirror() {
  local f found=
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f && -z $found ]] || continue
    found=$(awk 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
        }
        if (ok && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit } }' "$f")
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f && -z $found ]] || continue
    found=$(sed -E -n 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+bookworm[[:space:]].*/\2/p' "$f" | sed -n 1p)
  done
  echo "${found:-http://deb.debian.org/debian}"
}

build_image() {
  mkdir -p "$cache"
  exec {lock}>"$cache/.lock"
  flock -w 900 "$lock" || sb_fail "timed out waiting for another run to build $image"
  if [[ ! -d $image ]]; then
    rm -rf "$cache"/.building.*  # left by a run that was killed (we hold the lock)
    local mirror tmp
    mirror=$(host_mirror)
    tmp=$(mktemp -d "$cache/.building.XXXXXX")
    sb_log "building the image $image from $mirror (once; about two minutes)"
    local list
    list=$(
      IFS=,
      echo "${packages[*]}"
    )
    timeout 900 debootstrap --variant=minbase --include="$list" bookworm "$tmp/root" "$mirror" \
      >"$SB_TMP/debootstrap.out" 2>&1 || {
      rm -rf "$tmp"
      sb_fail "debootstrap failed: $(tail -n 5 "$SB_TMP/debootstrap.out")"
    }
    # No login prompt on the console: nobody types there.
    ln -sf /dev/null "$tmp/root/etc/systemd/system/console-getty.service"
    printf '%s\n' "$recipe" >"$tmp/root/.socketbox-test-image"
    mv -T "$tmp/root" "$image"
    rmdir "$tmp"
  fi
  exec {lock}>&-
}

started=$SECONDS
build_image
sb_log "image ready after $((SECONDS - started))s: $image"

# This run's copy: an overlay over the cached image (a plain copy where
# overlayfs is not available).
root=$SB_TMP/root
results=$SB_TMP/results
mkdir -p "$SB_TMP/upper" "$SB_TMP/work" "$root" "$results"
nspawn_pid=
stop_container() {
  if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid"  # nspawn asks the container's systemd to power off
    for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nspawn_pid" 2>/dev/null
    wait "$nspawn_pid" 2>/dev/null
  fi
  if mountpoint -q "$root"; then umount "$root" || umount -l "$root"; fi
}
sb_on_exit stop_container
if ! mount -t overlay overlay -o "lowerdir=$image,upperdir=$SB_TMP/upper,workdir=$SB_TMP/work" "$root" 2>/dev/null; then
  cp -a --reflink=auto "$image/." "$root/"
fi

# Install the project as a user would, into the configured prefix (the units
# name the programs by the prefix chosen when configuring).
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$SB_BUILD_DIR/CMakeCache.txt")
DESTDIR=$root cmake --install "$SB_BUILD_DIR" >"$SB_TMP/install.out" 2>&1 ||
  sb_fail "cmake --install failed: $(tail -n 5 "$SB_TMP/install.out")"
ldconfig -r "$root"
unitdir=$(sed -n 's/^SB_SYSTEMD_UNIT_DIR:STRING=//p' "$SB_BUILD_DIR/CMakeCache.txt")
[[ $unitdir == /* ]] || unitdir=$prefix/$unitdir
[[ -f $root$unitdir/sbd.service ]] || sb_fail "sbd.service was not installed to $unitdir"

# The profile the box boots with. Port 80 of fd01:db8:1:40::1:0/112 goes to
# receiver A, the rest of the prefix is closed.
mkdir -p "$root/etc/socketbox"
cat >"$root/etc/socketbox/profile.toml" <<'EOF'
[daemon]
listen  = "[::ffff:127.0.0.1]:1"
table   = "/etc/socketbox/sbd.conf"
control = "/run/socketbox/sbd.ctl"

[[steer]]
prefixes = ["fd01:db8:1:40::/64"]
ports    = [22, 80]

[[route]]
name = "box 1 http"
dest = "fd01:db8:1:40::1:0/112"
port = 80
to   = "unix:/run/socketbox/00001/a.sock"

[[route]]
name = "rest of the prefix"
dest = "fd01:db8:1:40::/64"
to   = "reject"

[[socketdir]]
path         = "/run/socketbox/00001"
owner_uid    = 100000
access_group = "socketbox-access"
EOF

# The units as an operator enables them: the profile at boot, and sbd on
# the first connection (sbd.service itself is left to socket activation),
# and sbctl watch keeping the kernel state in place. Units that come later
# go into this list, with their checks in systemd_guest.sh.
enable_units=(sbctl-apply.service sbd.socket sbctl-watch.service)
systemctl --root="$root" enable "${enable_units[@]}" >"$SB_TMP/enable.out" 2>&1 ||
  sb_fail "systemctl enable ${enable_units[*]} failed: $(cat "$SB_TMP/enable.out")"

# The guest's checks run as a unit once the box is up, then power it off.
cat >"$root/etc/systemd/system/sbtest-guest.service" <<EOF
[Unit]
Description=socketbox test: checks under systemd
After=multi-user.target
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=oneshot
Environment=SB_SOURCE_DIR=$SB_SOURCE_DIR SB_BUILD_DIR=$SB_BUILD_DIR SB_ID=$SB_ID
Environment=SB_PREFIX=$prefix
ExecStart=/bin/bash $SB_SOURCE_DIR/tests/integration/box/systemd_guest.sh
ExecStopPost=/bin/sh -c 'echo "\$SERVICE_RESULT \$EXIT_CODE \$EXIT_STATUS" >/sbresults/result; journalctl -b --no-pager -o short-monotonic >/sbresults/journal.log 2>&1'
StandardOutput=file:/sbresults/guest.log
StandardError=file:/sbresults/guest.log
TimeoutStartSec=240
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../sbtest-guest.service "$root/etc/systemd/system/multi-user.target.wants/sbtest-guest.service"

# The checks and the test programs come from the source and build trees,
# bound read-only at the same paths.
binds=(--bind="$results:/sbresults" --bind-ro="$SB_SOURCE_DIR")
[[ $SB_BUILD_DIR/ == "$SB_SOURCE_DIR"/* ]] || binds+=(--bind-ro="$SB_BUILD_DIR")

# A name of this run's own: nspawn keeps per-machine state under
# /run/systemd/nspawn/ by name, even unregistered.
nspawn=(systemd-nspawn -q -D "$root" --machine="sbtest-$SB_ID-$$" --private-network --register=no --keep-unit)

# Can this machine boot a container at all? (Not where nspawn itself lacks
# the privileges, e.g. inside an unprivileged container.)
if ! probe=$(timeout 60 "${nspawn[@]}" /bin/true 2>&1); then
  sb_skip "systemd-nspawn cannot run a container here: $probe"
fi

boot_started=$SECONDS
timeout 300 "${nspawn[@]}" -b --console=read-only "${binds[@]}" >"$SB_TMP/console.log" 2>&1 &
nspawn_pid=$!
sb_wait_for 300 "the container to run its checks and power off" bash -c "! kill -0 $nspawn_pid 2>/dev/null"
wait "$nspawn_pid" && nspawn_rc=0 || nspawn_rc=$?
nspawn_pid=
sb_log "container ran $((SECONDS - boot_started))s (nspawn exit $nspawn_rc)"

[[ -f $results/guest.log ]] && cat "$results/guest.log" >&2
result=$(cat "$results/result" 2>/dev/null || echo "none")
if [[ $result != "success exited 0" ]]; then
  # What the socketbox units said; the console log has the boot's status lines.
  grep -E 'sbd|sbctl|socketbox|sbtest' "$results/journal.log" >"$SB_TMP/journal-socketbox.log" 2>/dev/null
  sb_fail "the checks inside the container did not pass (unit result: $result); the console and the socketbox units' journal follow"
fi
sb_log "whole test: $((SECONDS - started))s"
sb_pass
