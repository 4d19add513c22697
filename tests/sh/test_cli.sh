#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The CLI commands of this stage (SPEC 5): validate, topology, status, plan
# by domain name and by --xml, exit codes and --help.
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt

# --- validate ---------------------------------------------------------------
printf '[host]\nreserved_cpus = 0\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/db.ini" <<'INI'
[match]
names = db-*
[placement]
cpu_policy = dedicated
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
out=$("$CLI" validate 2>&1); rc=$?
is "$rc" 0 "validate: a good config exits 0"
like "$out" "valid (1 profile)" "and says so"
cat >"$W/conf/profiles.d/bad.ini" <<'INI'
[match]
names = bad-*
[cputune]
shares = 1
frobnicate = 2
[placement]
cpu_policy = sometimes
INI
chmod 644 "$W/conf/profiles.d/bad.ini"
out=$("$CLI" validate 2>&1); rc=$?
is "$rc" 1 "validate: an invalid config exits 1"
like "$out" "$W/conf/profiles.d/bad.ini:4: " "shares error with file and line"
like "$out" "$W/conf/profiles.d/bad.ini:5: " "unknown key with file and line"
like "$out" "$W/conf/profiles.d/bad.ini:7: " "bad enum with file and line"
is "$(printf '%s\n' "$out" | grep -c "bad.ini:")" 3 "every error reported, not just the first"
rm "$W/conf/profiles.d/bad.ini"
chmod 666 "$W/conf/profiles.d/db.ini"
if [ "$(id -u)" = 0 ]; then
        out=$("$CLI" validate 2>&1); rc=$?
        is "$rc" 1 "validate: a world-writable profile is refused"
        like "$out" "db.ini" "naming the file"
fi
chmod 644 "$W/conf/profiles.d/db.ini"
"$CLI" validate extra >/dev/null 2>&1; is $? 2 "validate: unexpected argument exits 2"

# overlapping globs at the same priority: valid, with a warning naming both
printf '[match]\nnames = db-1*\n' >"$W/conf/profiles.d/zz.ini"
chmod 644 "$W/conf/profiles.d/zz.ini"
out=$("$CLI" validate 2>&1); rc=$?
is "$rc" 0 "overlapping globs still validate"
like "$out" "warning: $W/conf/profiles.d/zz.ini:2: names: 'db-1*' of profile 'zz' overlaps 'db-*' of profile 'db'" \
        "and validate warns about the tie, naming file, line and both profiles"
printf '[match]\nnames = db-1*\npriority = 5\n' >"$W/conf/profiles.d/zz.ini"
out=$("$CLI" validate 2>&1)
ok $(printf '%s' "$out" | grep -q overlaps; [ $? -ne 0 ]; echo $?) "no warning once priority decides"
rm "$W/conf/profiles.d/zz.ini"

# a names list longer than inih's 200-byte line buffer, with an inline comment
long=$(for i in $(seq 1 40); do printf 'grp%02d-*, ' "$i"; done)
printf '[match]\nnames = %sgrp99-* ; forty classes\n' "$long" >"$W/conf/profiles.d/many.ini"
chmod 644 "$W/conf/profiles.d/many.ini"
"$CLI" validate >/dev/null 2>&1; is $? 0 "a 400-character names line validates"
domxml grp39-a "$(uuidn 9)" 1 64 >"$W/g.xml"
is "$("$CLI" plan --json --xml "$W/g.xml" | jget - 'j["matched_by"]')" "name:grp39-*" \
        "and its 39th glob matches"
domxml grp99-a "$(uuidn 9)" 1 64 >"$W/g.xml"
is "$("$CLI" plan --json --xml "$W/g.xml" | jget - 'j["matched_by"]')" "name:grp99-*" \
        "the last glob, before the inline comment, too"
rm "$W/conf/profiles.d/many.ini"

# --- topology ---------------------------------------------------------------
"$CLI" topology --json >"$W/topo.json"; rc=$?
is "$rc" 0 "topology --json exits 0"
is "$(jget "$W/topo.json" '[n["id"] for n in j["nodes"]]')" "[0, 1]" "two nodes"
is "$(jget "$W/topo.json" 'j["nodes"][0]["cpus"]')" "0-1,4-5" "node0 CPUs"
is "$(jget "$W/topo.json" 'j["nodes"][1]["distances"]')" "[21, 10]" "distances as the tree has them"
is "$(jget "$W/topo.json" 'j["smt"]')" "True" "SMT seen"
is "$(jget "$W/topo.json" '[t["role"] for c in j["nodes"][0]["cores"] for t in c["threads"] if t["cpu"]==0][0]')" \
        reserved "cpu0 shown as reserved"
is "$(jget "$W/topo.json" '[c["cpus"] for c in j["nodes"][0]["cores"]]')" '["0,4", "1,5"]' "cores with siblings"
out=$("$CLI" topology); rc=$?
is "$rc" 0 "topology (human) exits 0"
like "$out" "node1  CPUs 2-3,6-7" "human map lists node1"
like "$out" "
  #.  0-1
  ..  4-5
" "and node0's map: cpu0 reserved, its core's sibling 4 and core 1-5 shared"

# --- plan by name, status after prepare --------------------------------------
domxml db-1 "$(uuidn 1)" 2 512 >"$W/lvconf/db-1.xml"
"$CLI" plan --json db-1 >"$W/plan.json"; rc=$?
is "$rc" 0 "plan DOMAIN reads libvirt's config dir"
for f in domain uuid profile matched_by vcpus memory_kib host_nodes vcpu_cpuset cputune numatune \
        guest_numa launch_only cgroup; do
        is "$(jget "$W/plan.json" "'$f' in j")" True "plan --json has $f"
done
is "$(jget "$W/plan.json" 'j["cputune"]["vcpupin"]')" '{"0": "2", "1": "6"}' "vcpupin as id -> cpuset"
is "$(jget "$W/plan.json" '[c["file"] for c in j["cgroup"]][:2]')" '["emulator/cpuset.cpus", "emulator/cpuset.mems"]' \
        "cgroup writes named for v1 (no cgroup.controllers at the root)"
echo "cpuset cpu io memory pids" >"$W/cgroup/cgroup.controllers"
is "$("$CLI" plan --json db-1 | jget - 'j["cgroup_version"]')" 2 "v2 detected: cgroup2 root with cpu"
rm "$W/cgroup/cgroup.controllers"
mkdir -p "$W/cgroup/unified"
echo "hugetlb" >"$W/cgroup/unified/cgroup.controllers"
is "$("$CLI" plan --json db-1 | jget - 'j["cgroup_version"]')" 1 "hybrid without cpu on unified/: v1 (this host)"
echo "cpu cpuset" >"$W/cgroup/unified/cgroup.controllers"
is "$("$CLI" plan --json db-1 | jget - 'j["cgroup_version"]')" 2 "hybrid with cpu on unified/: v2, as libvirt"
rm -r "$W/cgroup/unified"
# the running domain's status file wins over the config
{ echo "<domstatus state='running' pid='1'>"; domxml db-1 "$(uuidn 1)" 1 512; echo "</domstatus>"; } >"$W/lvrun/db-1.xml"
is "$("$CLI" plan --json db-1 | jget - 'j["vcpus"]')" 1 "plan DOMAIN prefers libvirt's run dir (status XML)"
out=$("$CLI" plan db-1); rc=$?
like "$out" "profile     db (matched by name:db-*)" "human plan shows the profile and why"
like "$out" "XML changes:" "and the XML diff"
"$CLI" plan nosuch >/dev/null 2>"$W/err"; is $? 2 "plan of an unknown domain exits 2"
like "$(cat "$W/err")" "domain 'nosuch' not found" "with a message"
"$CLI" plan ../etc/passwd >/dev/null 2>&1; is $? 2 "plan refuses a path as a domain name"
"$CLI" plan >/dev/null 2>&1; is $? 2 "plan without a domain exits 2"
domxml db-2 "$(uuidn 2)" 9 512 | "$CLI" plan --xml - >/dev/null 2>&1; is $? 1 "plan of an unsatisfiable domain exits 1"
# a plan the XML rewrite refuses (cells = auto, but a DIMM names guest cell 1)
# has no rewritten XML to compare: plan crashed on it (SIGSEGV), the hook did not
printf '[match]\nnames = dimm-*\n[guest_numa]\ncells = auto\n' >"$W/conf/profiles.d/dimm.ini"
chmod 644 "$W/conf/profiles.d/dimm.ini"
domxml dimm-1 "$(uuidn 9)" 2 512 |
        sed "s|</devices>|<memory model='dimm'><target><size unit='KiB'>131072</size><node>1</node></target></memory></devices>|" \
                >"$W/dimm.xml"
out=$("$CLI" plan --xml "$W/dimm.xml" 2>&1); rc=$?
is "$rc" 1 "plan refused by the XML rewrite exits 1 (not a crash)"
like "$out" "refused     vmplace: dimm-1 (profile dimm):" "... and says why"
"$CLI" plan --json --xml "$W/dimm.xml" >"$W/dimm.json" 2>"$W/err"; rc=$?
is "$rc" 1 "plan --json of it exits 1"
like "$(jget "$W/dimm.json" 'j["refusal"]')" "dimm-1 (profile dimm)" "... with the refusal in the JSON"
"$HOOK" dimm-1 prepare begin - <"$W/dimm.xml" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 1 "the hook refuses it too"
is "$(cat "$W/err")" "$(jget "$W/dimm.json" 'j["refusal"]')" "... with the same line"
rm "$W/conf/profiles.d/dimm.ini"

for i in 1 2; do domxml "db-$i" "$(uuidn $i)" 2 512 | "$HOOK" "db-$i" prepare begin -; done
"$CLI" status --json >"$W/status.json"; rc=$?
is "$rc" 0 "status --json exits 0"
is "$(jget "$W/status.json" 'j["cgroup_version"]')" 1 "cgroup_version"
is "$(jget "$W/status.json" '[d["name"] for d in j["domains"]]')" '["db-1", "db-2"]' "one row per ledger entry"
for f in name uuid profile state cpus emulator_cpus nodes memory_kib drift; do
        is "$(jget "$W/status.json" "'$f' in j['domains'][0]")" True "status row has $f"
done
is "$(jget "$W/status.json" 'j["domains"][0]["state"]')" prepared "state prepared"
is "$(jget "$W/status.json" 'j["domains"][0]["memory_kib"]')" 524288 "memory_kib"
"$CLI" status --check >/dev/null; is $? 0 "status --check: fresh entries are fine"
# an entry whose QEMU is gone for more than 60 s is stale
python3 - "$W/run/ledger.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["entries"][0]["created"] -= 3600
json.dump(j, open(sys.argv[1], "w"))
PY
is "$("$CLI" status --json | jget - 'j["domains"][0]["state"]')" stale "old entry without QEMU is stale"
"$CLI" status --check >/dev/null; is $? 1 "status --check exits 1 on a stale entry"

# human tables cut long UTF-8 names on a character boundary
domxml "db-数据库数据库数据库数据库数据库-01" "$(uuidn 8)" 1 64 | "$HOOK" "db-x" prepare begin -
"$CLI" status >"$W/st.txt"
python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$W/st.txt"
ok $? "status output stays valid UTF-8 with a long CJK name"
like "$(cat "$W/st.txt")" "db-数据库数据库数据库数据库数据~ db" "the 21-character name is cut to its 18 columns with a marker"
# topology roles with explicit pools
printf '[host]\nreserved_cpus = 0\ndedicated_cpus = 1-3\nshared_cpus = 4-7\n' >"$W/conf/vmplace.ini"
chmod 644 "$W/conf/vmplace.ini"
rm -rf "$W/run"
roles=$("$CLI" topology --json | jget - '",".join(r for _, r in sorted((t["cpu"], t["role"]) for n in j["nodes"] for c in n["cores"] for t in c["threads"] if t["cpu"] in (0,1,4)))')
is "$roles" "reserved,free,shared" "topology roles: reserved, free (dedicated pool only), shared"

for c in plan status topology validate; do
        "$CLI" $c --help | grep -q "usage: vmplace $c"; ok $? "vmplace $c --help"
done
"$CLI" --help >/dev/null; ok $? "vmplace --help"
"$CLI" frob >/dev/null 2>&1; is $? 2 "unknown command exits 2"
done_testing
