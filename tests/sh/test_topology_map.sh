#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmplace topology as a map (SPEC 5): on fake hosts of 8 and 448 CPUs, with
# a ledger the hook writes at `prepare begin` for dedicated, isolated,
# floating and pinned VMs, the map's marks, keys and VM table (and --json)
# must say exactly what the ledger says; every line fits 100 columns, also
# with a 300-character and a non-ASCII name; on this host's real /sys the
# map covers exactly the online CPUs.
. "$(dirname "$0")/lib.sh"
scratch

profile() { # profile NAME GLOB [SECTION-LINES...]
        local f=$W/conf/profiles.d/$1.ini
        printf '[match]\nnames = %s\n' "$2" >"$f"
        shift 2
        printf '%s\n' "$@" >>"$f"
        chmod 644 "$f"
}
profile db 'db-*' '[placement]' 'cpu_policy = dedicated'
profile iso 'iso-*' '[placement]' 'cpu_policy = dedicated' 'emulator_policy = isolate'
profile web 'web-*' '[placement]' 'cpu_policy = shared'
profile big 'big-*' '[placement]' 'cpu_policy = dedicated' 'numa_nodes = 2'
profile wide 'wide-*' '[placement]' 'cpu_policy = shared' 'numa_nodes = 2'
profile pin 'pin-*' '[cputune]' 'vcpus = 3' 'emulatorpin = 3'
# many one-CPU VMs packed onto one node: more than the 52 letters of a key
profile small 'db-s*' 'priority = 10' '[placement]' 'cpu_policy = dedicated' 'strategy = pack'

N=0
hook_prepare() { # hook_prepare NAME VCPUS MEM_MIB: the hook's prepare, as libvirt calls it
        N=$((N + 1))
        # a live QEMU pid (this shell), so no entry is reclaimed as stale
        [ ${#1} -gt 250 ] || echo $$ >"$W/lvrun/$1.pid"
        domxml "$1" "$(uuidn $N)" "$2" "$3" | "$HOOK" "$1" prepare begin - >/dev/null 2>"$W/err"
}
prepare() {
        hook_prepare "$@"
        is "$?:$(cat "$W/err")" "0:" "prepare $1 ($2 vCPUs) is placed"
}

# check_map LABEL: run vmplace topology (human and --json) and compare both
# with the ledger and the topology tree; prints ok/not ok lines.
check_map() {
        "$CLI" topology >"$W/map.txt" 2>"$W/map.err"
        is "$?:$(cat "$W/map.err")" "0:" "$1: vmplace topology exits 0, nothing on stderr"
        "$CLI" topology --json >"$W/map.json"
        is "$?" 0 "$1: vmplace topology --json exits 0"
        local line
        while IFS= read -r line; do
                case "$line" in
                PASS*) ok 0 "$1: ${line#PASS }" ;;
                FAIL*) ok 1 "$1: ${line#FAIL }" ;;
                *) echo "# $line" ;;
                esac
        done < <(python3 - "$W/map.txt" "$W/map.json" "$W/run/ledger.json" "${VMPLACE_SYSFS:-/sys}" \
                "$(cat "$W/reserved")" <<'PY'
import json, re, sys

txt_path, json_path, ledger_path, sysfs, reserved_txt = sys.argv[1:6]
text = open(txt_path, encoding="utf-8").read()
lines = text.split("\n")
j = json.load(open(json_path))
try:
    ledger = json.load(open(ledger_path))["entries"]
except FileNotFoundError:
    ledger = []

def check(cond, what, detail=""):
    print(("PASS " if cond else "FAIL ") + what)
    if not cond and detail:
        for d in str(detail).split("\n"):
            print("   " + d)

def expand(s):
    """a cpuset or an ordered run list ("8,10-11") as a list, order kept"""
    out = []
    for part in filter(None, (s or "").split(",")):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out

def fitted(name, width=20):
    return name if len(name) <= width else name[:width - 1] + "~"

def node_cpus(which):
    out = {}
    import os
    base = sysfs + "/devices/system/node"
    for d in os.listdir(base):
        if re.fullmatch(r"node\d+", d):
            out[int(d[4:])] = set(expand(open(f"{base}/{d}/cpulist").read().strip()))
    return out

online = set(expand(open(sysfs + "/devices/system/cpu/online").read().strip()))
nodes = node_cpus(sysfs)
reserved = set(expand(reserved_txt)) & online
RESERVED_MEM = 0  # the vmplace.ini here sets no reserved_memory
held = {}  # cpu -> entry name
for e in ledger:
    for c in expand(e["held"]):
        held[c] = e["name"]
floating = {c: [] for c in online}  # cpu -> names, in ledger order
for e in ledger:
    for c in set(expand(e["vcpu_cpus"])) | set(expand(e["emulator_cpus"])):
        if c in online and c not in expand(e["held"]):
            floating[c].append(e["name"])

# --- widths ---------------------------------------------------------------
wide = [l for l in lines if len(l) > 100]
check(not wide, "every line fits 100 columns (UTF-8 code points)", "\n".join(wide[:3]))
check(not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", text), "no control character in the output")

# --- the node maps ----------------------------------------------------------
marks = {}   # cpu -> mark, from the grids
keys = []    # (node, letter, shown name, cpus)
grid_re = re.compile(r"^  ((?:[^ ]{1,10}| {1,10})(?: (?:[^ ]{1,10}| {1,10}))*?) *  ([0-9][0-9,-]*)$")
node = None
state = None
for l in lines:
    m = re.match(r"^node(\d+)  ", l)
    if m:
        node, state = int(m.group(1)), "header"
        continue
    if node is None:
        continue
    if l == "" or not l.startswith("  "):
        node = None if not l.startswith(" ") else node
        state = None if l == "" else state
        continue
    if state == "header" and re.match(r"^  (\d+ CPUs?:|no CPU online)", l):
        state = "grid"
        continue
    if state == "grid":
        g = grid_re.match(l)
        if g:
            cells = [ch for ch in g.group(1) if ch != " "]
            cpus = expand(g.group(2))
            if len(cells) != len(cpus):
                check(False, f"node{node} map row has one mark per CPU", l)
            for c, ch in zip(cpus, cells):
                marks.setdefault(c, ch)
                if marks[c] != ch or c not in nodes[node]:
                    check(False, f"cpu{c} appears once, under its node{node}", l)
            continue
        state = "key"
    if state == "key":
        for k in re.finditer(r"(?:^  |    )([a-zA-Z@]) (.+?) ([0-9][0-9,-]*)(?=    |$)", l):
            keys.append((node, k.group(1), k.group(2), set(expand(k.group(3)))))

all_node_cpus = set().union(*nodes.values())
check(set(marks) == online | (all_node_cpus - online),
      f"the maps show the {len(online)} online CPUs and the {len(all_node_cpus - online)} "
      "offline ones the nodes list, each once",
      f"shown {sorted(set(marks) ^ (online | all_node_cpus))} differ")
check(sorted(c for c, m in marks.items() if m == "#") == sorted(reserved),
      f"exactly the reserved CPUs ({reserved_txt or 'none'}) are marked #",
      sorted(c for c, m in marks.items() if m == "#"))
check(sorted(c for c, m in marks.items() if m == "!") == sorted(all_node_cpus - online),
      "offline CPUs are marked !", sorted(c for c, m in marks.items() if m == "!"))
# each dedicated VM: the CPUs under its letter, node by node, are what it holds
cpu_node = {c: n for n, cs in nodes.items() for c in cs}
shown_held = {}
bad_key = []
overflow = {}  # node -> CPUs the '@' keys list (VMs past the 52 letters share '@')
for n, letter, name, cpus in keys:
    under = {c for c, m in marks.items() if m == letter and cpu_node.get(c) == n}
    if letter == "@":
        overflow.setdefault(n, set()).update(cpus)
        under = cpus
    elif under != cpus:
        bad_key.append(f"node{n} {letter} {name}: key {sorted(cpus)} map {sorted(under)}")
    shown_held.setdefault(name, set()).update(under)
for n, cpus in overflow.items():
    under = {c for c, m in marks.items() if m == "@" and cpu_node.get(c) == n}
    if under != cpus:
        bad_key.append(f"node{n} @: keys {sorted(cpus)} map {sorted(under)}")
check(not bad_key, "each key lists the CPUs its letter marks in the map", "\n".join(bad_key))
want_held = {}
for e in ledger:
    if expand(e["held"]):
        want_held.setdefault(fitted(e["name"]), set()).update(expand(e["held"]))
check(shown_held == want_held,
      f"the map shows the {len(want_held)} dedicated VMs holding exactly their ledger CPUs",
      f"map {shown_held}\nledger {want_held}")
bad = [f"cpu{c} {marks[c]} want {len(floating[c])}" for c in online
       if c not in held and c not in reserved
       and marks[c] != (str(len(floating[c])) if 0 < len(floating[c]) < 10 else "+" if floating[c] else marks[c])]
check(not bad, "free CPUs show how many VMs float there", "\n".join(bad[:5]))

# --- the VM table -------------------------------------------------------------
try:
    start = lines.index(next(l for l in lines if re.match(r"^VM +kind +nodes +memory +CPUs$", l)))
except StopIteration:
    start = None
rows, cur = {}, None
for l in lines[start + 1:] if start is not None else []:
    if l == "":
        break
    if not l.startswith(" "):
        cur = l[:20].rstrip()
        kind = l[22:31].strip()
        rows[cur] = {"kind": kind, "items": []}
    item = l[52:]
    if re.match(r"[0-9]", item):
        rows[cur]["items"][-1] += item
    else:
        rows[cur]["items"].append(item)
def item_set(r, prefix):
    for it in r["items"]:
        if it.startswith(prefix):
            return set(expand(it[len(prefix):]))
    return None
bad = []
for e in ledger:
    r = rows.get(fitted(e["name"]))
    if not r or r["kind"] != e["kind"]:
        bad.append(f"{e['name']}: no row of kind {e['kind']}")
        continue
    emu, vcpu, h = set(expand(e["emulator_cpus"])), set(expand(e["vcpu_cpus"])), set(expand(e["held"]))
    if e["kind"] == "dedicated":
        got = (item_set(r, "holds "), item_set(r, "emulator floats over ") or item_set(r, "emulator on its own "))
        want = (h, emu)
    elif e["kind"] == "shared":
        got, want = item_set(r, "floats over "), vcpu
    else:
        got = (item_set(r, "vCPUs on "), item_set(r, "emulator on "))
        want = (vcpu, emu)
    if got != want:
        bad.append(f"{e['name']}: table {got} ledger {want}")
check((start is not None or (not ledger and "no VM in the ledger" in lines)) and not bad
      and len(rows) == len(ledger),
      f"the VM table lists the {len(ledger)} VMs with what they hold and float over",
      "\n".join(bad))
floaters = sorted(r for r, v in rows.items() if v["kind"] == "shared")
want_floaters = sorted(fitted(e["name"]) for e in ledger if e["kind"] == "shared")
check(floaters == want_floaters, f"floating VMs listed: {' '.join(floaters) or 'none'}")

# --- JSON -------------------------------------------------------------------
for k in ("online", "smt", "nodes", "offline", "pools", "vms"):
    check(k in j, f"--json has {k}")
check(set(expand(j["online"])) == online, "--json online is the online file")
threads = {}
for n in j["nodes"]:
    for k in ("id", "cpus", "total_kib", "free_kib", "distances", "cores", "committed_kib", "offline"):
        if k not in n:
            check(False, f"--json node{n.get('id')} has {k}")
    want = sum(e["memory"].get(str(n["id"]), 0) for e in ledger)
    if n["committed_kib"] != want:
        check(False, f"--json node{n['id']} committed_kib {n['committed_kib']} is the ledger's {want}")
    # each VM counted once: the total less the commitments, capped by free memory
    admits = min(n["total_kib"] - RESERVED_MEM - want, n["free_kib"] - RESERVED_MEM)
    if n.get("admits_kib") != admits:
        check(False, f"--json node{n['id']} admits_kib {n.get('admits_kib')}, want {admits}")
    if set(expand(n["offline"])) != nodes[n["id"]] - online:
        check(False, f"--json node{n['id']} offline")
    for core in n["cores"]:
        for t in core["threads"]:
            threads[t["cpu"]] = t
check(set(threads) == online, "--json has one thread per online CPU")
bad = []
for c, t in threads.items():
    role = "reserved" if c in reserved else "dedicated" if c in held else None
    if role and t["role"] != role:
        bad.append(f"cpu{c} role {t['role']} want {role}")
    if t["holder"] != (held.get(c) if c not in reserved else None):
        bad.append(f"cpu{c} holder {t['holder']} want {held.get(c)}")
    if t["floating"] != floating[c]:
        bad.append(f"cpu{c} floating {t['floating']} want {floating[c]}")
check(not bad, "--json: every CPU's role, holder and floating VMs match the ledger", "\n".join(bad[:5]))
jv = {v["name"]: v for v in j["vms"]}
bad = [e["name"] for e in ledger
       if e["name"] not in jv or jv[e["name"]]["held"] != (e["held"] or None)
       or jv[e["name"]]["emulator_cpus"] != (e["emulator_cpus"] or None)
       or jv[e["name"]]["cpus"] != (e["vcpu_cpus"] or None)
       or jv[e["name"]]["node_memory_kib"] != e["memory"] or jv[e["name"]]["kind"] != e["kind"]]
check(not bad and len(jv) == len(ledger), "--json vms carry each entry's sets, kind and memory", bad)
PY
)
}

# --- a 2-node SMT host: 0 and its sibling 4 reserved ----------------------------
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt
printf '[host]\nreserved_cpus = 0,4\n' >"$W/conf/vmplace.ini"
chmod 644 "$W/conf/vmplace.ini"
echo 0,4 >"$W/reserved"
prepare db-1 2 1024
prepare iso-1 1 512
prepare web-1 2 512
prepare web-2 1 256
prepare pin-1 1 128
check_map 2node-smt
# what the ledger says, seen in the text (placement decided by the planner)
like "$(cat "$W/map.txt")" "pools  reserved 0,4  dedicated 1-3,5-7  shared 3,7" "pools line"
like "$(cat "$W/map.txt")" "  #a  0-1
  #a  4-5
  a iso-1 1,5" "node0: reserved core, iso-1's vCPU and its isolated emulator on the next core"
like "$(cat "$W/map.txt")" "  a4  2-3
  a3  6-7
  a db-1 2,6" "node1: db-1 holds a core; 4 VMs float on 3 (pin-1 pinned there), 3 on 7"
like "$(cat "$W/map.txt")" "node1  CPUs 2-3,6-7  memory 28.0 GiB free of 32.0 GiB, 1.8 GiB committed to VMs, admits 28.0 GiB" \
        "node header: memory free, total, committed by the ledger's VMs, and what a new VM may have"
like "$(cat "$W/map.txt")" "db-1                  dedicated  1         1.0 GiB  holds 2,6
                                                    emulator floats over 3,7" \
        "VM table: db-1 holds its core, its emulator floats"
like "$(cat "$W/map.txt")" "distances node0 node1
  node0     10    21" "distance matrix"

# a name with an escape sequence and a newline in the ledger (libvirt and the
# hook refuse them, a hand-edited ledger may not): shown as '?'
cp "$W/run/ledger.json" "$W/ledger.orig"
python3 - "$W/run/ledger.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["entries"][0]["name"] = "db-\x1b[2J\nevil\u009b"
json.dump(j, open(sys.argv[1], "w"))
PY
"$CLI" topology >"$W/evil.txt"
like "$(cat "$W/evil.txt")" "a db-?[2J?evil? 2,6" "control characters in a name show as '?'"
is "$(grep -c '' "$W/evil.txt")" "$(grep -c '' "$W/map.txt")" "and add no line"
cp "$W/ledger.orig" "$W/run/ledger.json"

# --- 448 CPUs in 8 nodes ------------------------------------------------------
rm -rf "$W/run"
N=0
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/8node-448
printf '[host]\nreserved_cpus = 0-1,224-225\n' >"$W/conf/vmplace.ini"
echo 0-1,224-225 >"$W/reserved"
long=db-$(printf 'x%.0s' $(seq 1 297))
# 52 one-CPU VMs fill node0 (the fullest: 4 CPUs reserved), the next 55
# pack another node, past the 52 letters of its key
placed=0
for i in $(seq 1 107); do hook_prepare "db-s$i" 1 64 && placed=$((placed + 1)); done
is "$placed" 107 "107 one-CPU VMs placed"
node=$(jget "$W/run/ledger.json" '[e["nodes"] for e in j["entries"] if e["name"] == "db-s107"][0]')
is "$(jget "$W/run/ledger.json" "len([e for e in j['entries'] if e['nodes'] == '$node'])")" 55 \
        "107 one-CPU VMs packed: 55 on node$node"
prepare db-1 4 4096
prepare db-2 8 8192
prepare iso-1 3 2048
prepare big-1 16 65536
prepare web-1 4 2048
prepare wide-1 8 8192
prepare "db-数据库-ünïcode" 2 1024
prepare "$long" 2 1024
check_map 8node-448
is "$(awk -v n="node$node" '$1 == n { f = 1 } /^$/ { f = 0 } f' "$W/map.txt" | grep -oE '(^  |    )@ db-s[0-9]+' | wc -l)" 3 \
        "node$node's 53rd to 55th VMs share the mark @"
is "${#long}" 300 "the long name has 300 characters"
like "$(cat "$W/map.txt")" "db-xxxxxxxxxxxxxxxx~  dedicated" "and is cut to 20 columns in the VM table"
like "$(cat "$W/map.txt")" "db-数据库-ünïcode" "the non-ASCII name is shown whole"
is "$(grep -c '^node[0-9]' "$W/map.txt")" 8 "8 node maps"
is "$(grep -cE '^  [^ ]{10} [^ ]{10} [^ ]{8}  [0-9]+-[0-9]+$' "$W/map.txt")" 16 \
        "each node: 2 rows of 28 cores in groups of 10"
like "$(cat "$W/map.txt")" "host   448 CPUs 0-447 online in 8 nodes, 2 threads per core" "host line"

# --- offline CPUs and a memory-only node (no ledger) --------------------------------
rm -rf "$W/run"
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/4node-offline
printf '[host]\n' >"$W/conf/vmplace.ini"
: >"$W/reserved"
rm -rf "$W/lvrun"/*.pid
check_map 4node-offline
like "$(cat "$W/map.txt")" "  .!.  4-6
    .  7" "node1: offline cpu5 in its own column, placed by number"
like "$(cat "$W/map.txt")" "node3  CPUs none  memory 60.0 GiB free of 64.0 GiB" "memory-only node3"
like "$(cat "$W/map.txt")" "offline 5,10-11" "host line lists the offline CPUs"
is "$("$CLI" topology --json | jget - 'j["offline"]')" "5,10-11" "--json offline"
is "$("$CLI" topology --json | jget - '[n["offline"] for n in j["nodes"]]')" '[null, "5", "10-11", null]' \
        "--json offline per node"

# --- this host's real /sys and libnuma -----------------------------------------
unset VMPLACE_SYSFS
check_map "this host ($(cat /sys/devices/system/cpu/online))"
is "$(jget "$W/map.json" 'j["online"]')" "$(cat /sys/devices/system/cpu/online)" \
        "--json online is /sys/devices/system/cpu/online"
done_testing
