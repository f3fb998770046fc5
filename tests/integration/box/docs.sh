#!/usr/bin/env bash
# The docs stay true: every complete table example in docs/table-format.md
# loads in sbd, and every relative link in docs/ and README.md leads to a file.
. "$(dirname "$0")/../lib.sh"
[[ -x $SB_BIN/sbd ]] || sb_fail "sbd is not built"

# Split docs/table-format.md into its fenced blocks; a block with a line
# starting "rule-set:0" is a whole table.
python3 - "$SB_SOURCE_DIR/docs/table-format.md" "$SB_TMP" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
n = 0
for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M):
    if re.search(r"^rule-set:0", block, re.M):
        n += 1
        open(f"{sys.argv[2]}/example{n}.conf", "w").write(block)

PY
examples=("$SB_TMP"/example*.conf)
((${#examples[@]} >= 5)) || sb_fail "found only ${#examples[@]} table examples in docs/table-format.md"
for ex in "${examples[@]}"; do
  out=$(sbd --check -f "$ex" 2>&1) || sb_fail "docs/table-format.md example does not load: $out
$(cat "$ex")"
done

# Relative links (outside code blocks and inline code).
broken=$(python3 - "$SB_SOURCE_DIR"/docs/*.md "$SB_SOURCE_DIR"/README.md <<'PY'
import os, re, sys
for md in sys.argv[1:]:
    text = re.sub(r"^```.*?^```", "", open(md).read(), flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        path = target.split("#")[0]
        if path and not re.match(r"[a-z]+:", path) and not os.path.exists(os.path.join(os.path.dirname(md), path)):
            print(f"{os.path.basename(md)} links to {path}, which does not exist")
PY
)
[[ -z $broken ]] || sb_fail "$broken"
sb_pass
