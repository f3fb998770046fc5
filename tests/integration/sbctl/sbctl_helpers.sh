# Helpers shared by the sbctl integration tests. Source after lib.sh.
# The kernel state is installed by sbctl itself, so the topology is made with
# SB_TOPOLOGY_KERNEL=0 (addresses and client routes only).
SBCTL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# receiver_start, sbd_start, client, expect_box, expect_reset, json_get.
. "$SBCTL_DIR/../sbd/sbd_helpers.sh"

STATE=$SB_TMP/state

# write_profile FILE [PORTS]: the seed's split-horizon box with every path
# under $SB_TMP, plus an IPv4 route; PORTS is the steered port list.
write_profile() {
  local file=$1 ports=${2:-22, 80, 443}
  cat >"$file" <<P
[daemon]
listen  = "[::ffff:127.0.0.1]:1"
table   = "$SB_TMP/sbd.conf"
control = "$SB_TMP/sbd.ctl"

[[steer]]
prefixes = ["fd01:db8:1:40::/64", "192.0.2.0/24"]
ports    = [$ports]

[[route]]
name = "vm7 nginx"
dest = "fd01:db8:1:40::1:10"
port = 443
to   = "unix:$SB_TMP/vm7/sb-00443"

[[route]]
name = "vm7 apache"
dest = "fd01:db8:1:40::1:11"
port = 443
to   = "unix:$SB_TMP/vm7/apache-00443"

[[route]]
name = "vm7 sshd"
dest = "fd01:db8:1:40::1:10"
port = 22
to   = "unix:$SB_TMP/vm7/sshd_socket"

[[route]]
name = "nat64"
dest = "fd01:db8:1:40:0:64::/96"
port = [80, 443]
to   = "unix:$SB_TMP/nat64/nat64.sock"

[[route]]
name = "legacy v4"
dest = "192.0.2.0/24"
port = 80
to   = "unix:$SB_TMP/v4.sock"
P
}

# nft_summary NS: socketbox's steering as sorted lines, set names resolved:
#   "ip6 daddr fd01:db8:1:40::/64 dport 22,80,443 -> tproxy ip6 ::ffff:127.0.0.1:1"
nft_summary() {
  ip netns exec "$1" nft -j list table inet socketbox 2>/dev/null | python3 -c '
import json, sys
data = sys.stdin.read()
if not data.strip():
    print("no table"); sys.exit(0)
items = json.loads(data)["nftables"]
def fmt(e):
    if isinstance(e, dict) and "prefix" in e: return "%s/%d" % (e["prefix"]["addr"], e["prefix"]["len"])
    if isinstance(e, dict) and "range" in e: return "%s-%s" % tuple(e["range"])
    return str(e)
sets = {i["set"]["name"]: ",".join(sorted(fmt(e) for e in i["set"].get("elem", []))) for i in items if "set" in i}
out = []
for i in items:
    if "rule" not in i: continue
    words = []
    for x in i["rule"]["expr"]:
        if "match" in x:
            left, right = x["match"]["left"], x["match"]["right"]
            if "payload" in left:
                r = sets.get(right[1:], right) if isinstance(right, str) and right.startswith("@") else fmt(right)
                words.append("%s %s %s" % (left["payload"]["protocol"], left["payload"]["field"], r))
        elif "tproxy" in x:
            t = x["tproxy"]
            words.append("-> tproxy %s %s:%s" % (t.get("family", ""), t["addr"], t["port"]))
    if any(w.startswith("-> tproxy") for w in words): out.append(" ".join(words))
print("\n".join(sorted(out)))
'
}

# nft_canon NS: every table of the namespace as canonical JSON without
# handles, for "exactly as before" comparisons.
nft_canon() {
  ip netns exec "$1" nft -j list ruleset | python3 -c '
import json, sys
def strip(o):
    if isinstance(o, dict): return {k: strip(v) for k, v in o.items() if k != "handle"}
    if isinstance(o, list): return [strip(v) for v in o]
    return o
items = [strip(i) for i in json.load(sys.stdin)["nftables"] if "metainfo" not in i]
print(json.dumps(items, sort_keys=True))
'
}

# local_routes NS [PROTO]: local routes (IPv6 and IPv4) as sorted "local DST [PROTO]" lines
# (ip omits the protocol when filtering by it).
local_routes() {
  { ip -n "$1" -j -6 route show table local ${2:+proto $2}; ip -n "$1" -j -4 route show table local ${2:+proto $2}; } |
    python3 -c '
import json, sys
out = []
for line in sys.stdin.read().split("\n"):
    if line.strip(): out += [("%s %s %s" % (r.get("type", ""), r["dst"], r.get("protocol", ""))).strip() for r in json.loads(line)]
print("\n".join(sorted(out)))
'
}

# box_state NS: the kernel state and the table file, all in one text.
# Routes the kernel makes for interface addresses come and go on their own
# (link-local addresses after DAD) and are left out.
box_state() {
  nft_canon "$1"
  local_routes "$1" | grep -v ' kernel$' || true
  if [[ -e $SB_TMP/sbd.conf ]]; then cat "$SB_TMP/sbd.conf"; else echo "no table file"; fi
}

# expect_v4 ADDR PORT NAME: an IPv4 connection reaches receiver NAME, which
# sees the client's real IPv4 address (mapped, through sbd's dual-stack socket).
expect_v4() {
  local got
  got=$(client "$1" "$2")
  [[ $got == "box=$3 peer=::ffff:$SB_CLIENT4 "* || $got == "box=$3 peer=$SB_CLIENT4 "* ]] ||
    sb_fail "$1:$2: expected box=$3 peer=$SB_CLIENT4, got '$got'"
}

# start_receivers NS: one receiver per route of write_profile's profile.
start_receivers() {
  mkdir -p "$SB_TMP/vm7" "$SB_TMP/nat64"
  receiver_start "$1" "$SB_TMP/vm7/sb-00443" nginx
  receiver_start "$1" "$SB_TMP/vm7/apache-00443" apache
  receiver_start "$1" "$SB_TMP/vm7/sshd_socket" sshd
  receiver_start "$1" "$SB_TMP/nat64/nat64.sock" nat64
  receiver_start "$1" "$SB_TMP/v4.sock" v4
}
