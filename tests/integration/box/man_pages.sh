#!/usr/bin/env bash
# Every manual page renders without a single groff or man warning, at the
# usual width and at a narrow one, and documents every option the program's
# --help lists (so the pages cannot silently fall behind the programs).
. "$(dirname "$0")/../lib.sh"
command -v man >/dev/null || sb_skip "man is not installed (scripts/install-deps)"

pages=("$SB_SOURCE_DIR"/man/*.[158])
((${#pages[@]} == 6)) || sb_fail "expected 6 manual pages, found ${#pages[@]}: ${pages[*]}"
for page in "${pages[@]}"; do
  for width in 80 60; do
    warnings=$(MANWIDTH=$width man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || sb_fail "$(basename "$page") at width $width: $warnings"
  done
  # The NAME section must be there for whatis/apropos.
  MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME' || sb_fail "$(basename "$page") has no NAME section"
  # Every page is installed.
  grep -qw "$(basename "$page")" "$SB_SOURCE_DIR/man/CMakeLists.txt" ||
    sb_fail "$(basename "$page") is not installed by man/CMakeLists.txt"
done

# options_of PROGRAM ARGS...: the long options a --help lists.
options_of() { "$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u; }
# documents PAGE OPTION: the page names the option (hyphens escaped as \-).
documents() { grep -qF -- "$(sed 's/-/\\-/g' <<<"$2")" "$SB_SOURCE_DIR/man/$1"; }

check_program() {  # check_program PAGE PROGRAM [SUBCOMMAND]
  local page=$1 prog=$2
  shift 2
  [[ -x $SB_BIN/$prog ]] || sb_fail "$SB_BIN/$prog is not built; cannot compare $page with it"
  local opts
  opts=$(options_of "$SB_BIN/$prog" "$@")
  [[ -n $opts ]] || sb_fail "$prog $* --help lists no options"
  while read -r opt; do
    [[ $opt == --help ]] && continue
    documents "$page" "$opt" || sb_fail "$page does not document $prog $* $opt"
  done <<<"$opts"
}
check_program sbd.8 sbd
check_program sb-preload.1 sb-preload
check_program sb-inetd.8 sb-inetd
check_program sb-relay.8 sb-relay
for cmd in check compile diff apply confirm rollback down drain undrain status explain metrics; do
  documents sbctl.8 "sbctl $cmd" || grep -q "^\.B sbctl $cmd" "$SB_SOURCE_DIR/man/sbctl.8" ||
    sb_fail "sbctl.8 does not document 'sbctl $cmd'"
  check_program sbctl.8 sbctl "$cmd"
done
sb_pass
