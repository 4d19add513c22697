#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hook's deciding half, op by op (SPEC section 4): stdout, exit codes,
# ledger and state files, on a fake 2-node SMT host.
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt

cat >"$W/conf/vmplace.ini" <<'INI'
[host]
reserved_cpus = 0,4
INI
cat >"$W/conf/profiles.d/database.ini" <<'INI'
[match]
names = db-*
[cputune]
shares = 2048
vcpu_period = 100000
vcpu_quota = 50000
[placement]
cpu_policy = dedicated
INI
cat >"$W/conf/profiles.d/soft.ini" <<'INI'
[match]
names = soft-*
[profile]
on_error = warn
[placement]
cpu_policy = dedicated
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini

U1=$(uuidn 1) U2=$(uuidn 2) U3=$(uuidn 3)

# unmanaged domain: every op is a no-op
for op in "prepare begin" "start begin" "started begin" "migrate begin" "restore begin" \
        "reconnect begin" "attach begin" "stopped end" "release end" "frobnicate now"; do
        out=$(domxml web-1 "$U3" 2 256 | "$HOOK" web-1 $op - 2>"$W/err"); rc=$?
        is "$rc:$out:$(cat "$W/err")" "0::" "unmanaged $op: exit 0, no output"
done
ok $([ ! -s "$W/run/ledger.json" ] || [ "$(jget "$W/run/ledger.json" 'len(j["entries"])')" = 0 ]; echo $?) \
        "unmanaged domains leave the ledger empty"

# prepare a managed domain: empty stdout, ledger entry, state files
out=$(domxml db-1 "$U1" 2 1024 | "$HOOK" db-1 prepare begin - 2>"$W/err"); rc=$?
is "$rc" 0 "prepare db-1 exits 0"
is "$out" "" "prepare prints nothing"
is "$(jget "$W/run/ledger.json" 'j["entries"][0]["name"]')" db-1 "ledger has db-1"
is "$(jget "$W/run/ledger.json" 'j["entries"][0]["profile"]')" database "with its profile"
held=$(jget "$W/run/ledger.json" 'j["entries"][0]["held"]')
is "$held" "2,6" "2 dedicated CPUs: an SMT pair on node1 (spread: 4 free there, 2 on node0 after reserved 0,4)"
is "$(stat -c %a "$W/run")" 700 "rundir is 0700"
ok $([ -s "$W/run/domains/$U1.xml" ] && [ -s "$W/run/domains/$U1.plan.json" ]; echo $?) "state files saved"
like "$(cat "$W/run/domains/$U1.xml")" "<vcpupin vcpu=\"1\" cpuset=\"6\"/>" "rewritten XML recorded"
is "$(jget "$W/run/domains/$U1.plan.json" 'j["cputune"]["vcpu_quota"]')" 50000 "plan recorded with quota"

# migrate prints the rewritten XML (guest cells untouched), and commits
out=$(domxml db-2 "$U2" 2 1024 | "$HOOK" db-2 migrate begin - 2>"$W/err"); rc=$?
is "$rc" 0 "migrate db-2 exits 0"
like "$out" "<name>db-2</name>" "migrate prints the domain XML"
like "$out" "<shares>2048</shares>" "with the profile's shares"
like "$out" "<vcpupin vcpu=\"0\" cpuset=\"1\"/>" "and pins on the other node"
printf '%s\n' "$out" >"$W/migrated.xml"
if command -v virt-xml-validate >/dev/null; then
        virt-xml-validate "$W/migrated.xml" domain >/dev/null 2>&1
        ok $? "migrate output validates against libvirt's schema"
fi
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 2 "two entries"

# restore of the same domain again replaces, not duplicates
out=$(domxml db-2 "$U2" 2 1024 | "$HOOK" db-2 restore begin - 2>/dev/null); rc=$?
is "$rc" 0 "restore exits 0"
like "$out" "<vcpupin vcpu=\"0\" cpuset=\"1\"/>" "restore keeps db-2 on its CPUs"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 2 "still two entries"

# migrate whose XML does not reach libvirt (a full device, a reader gone):
# exit 1 saying why, and the placement it committed is released again
domxml db-5 "$(uuidn 5)" 1 512 >"$W/db5.xml"
"$HOOK" db-5 migrate begin - <"$W/db5.xml" >/dev/full 2>"$W/err"; rc=$?
is "$rc" 1 "migrate to a full stdout exits 1"
like "$(cat "$W/err")" "vmplace: db-5: cannot write the rewritten XML for libvirt: No space left on device" \
        "... saying why"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 2 "... and keeps no placement for it"
# a pipe whose reader is gone before the hook writes (python ignores SIGPIPE;
# the hook gets SIGPIPE's default back, as under libvirt)
rc=$(python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[2:], stdin=open(sys.argv[1]), stdout=w, stderr=subprocess.DEVNULL)
print(p.returncode)' "$W/db5.xml" "$HOOK" db-5 migrate begin -)
is "$rc" 1 "migrate to a closed pipe exits 1 (no death by SIGPIPE after the commit)"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 2 "... and keeps no placement for it"

# refusal: 3 more dedicated CPUs do not fit (2 left: 3,7 on node1)
out=$(domxml db-3 "$(uuidn 4)" 3 512 | "$HOOK" db-3 prepare begin - 2>"$W/err"); rc=$?
is "$rc" 1 "unsatisfiable prepare exits 1 (on_error=refuse)"
is "$out" "" "and prints nothing on stdout"
is "$(wc -l <"$W/err")" 1 "one-line reason on stderr"
like "$(cat "$W/err")" "vmplace: db-3 (profile database): no NUMA node has 3 free dedicated CPUs" \
        "the reason names what was short"
like "$(cat "$W/err")" "(node0: 0 CPUs, " "and what each node has"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 2 "a refusal commits nothing"

# on_error=warn: start goes on unplaced
out=$(domxml soft-1 "$(uuidn 5)" 3 512 | "$HOOK" soft-1 prepare begin - 2>"$W/err"); rc=$?
is "$rc:$out" "0:" "on_error=warn: exit 0 even when it does not fit"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 2 "and nothing is recorded"

# a placement libvirt would reject is a refusal that follows on_error too
cat >"$W/conf/profiles.d/cells.ini" <<'INI'
[match]
names = cells-*
[profile]
on_error = warn
[guest_numa]
cells = 2
INI
chmod 644 "$W/conf/profiles.d/cells.ini"
out=$(domxml cells-1 "$(uuidn 6)" 1 512 | "$HOOK" cells-1 prepare begin - 2>"$W/err"); rc=$?
is "$rc:$out" "0:" "unsplittable guest cells under on_error=warn: the start goes on"
out=$(domxml cells-1 "$(uuidn 6)" 1 512 | "$CLI" plan --xml - 2>/dev/null); rc=$?
is "$rc" 1 "and vmplace plan exits 1 for it"
like "$out" "refused     vmplace: cells-1 (profile cells): cells = 2 cannot split" "with the reason"
rm "$W/conf/profiles.d/cells.ini"

# stopped frees; release afterwards is harmless
out=$(domxml db-1 "$U1" 2 1024 | "$HOOK" db-1 stopped end - 2>&1); rc=$?
is "$rc:$out" "0:" "stopped end exits 0 silently"
is "$(jget "$W/run/ledger.json" '[e["name"] for e in j["entries"]]')" '["db-2"]' "db-1 freed"
ok $([ ! -e "$W/run/domains/$U1.xml" ]; echo $?) "its state files are gone"
out=$(domxml db-1 "$U1" 2 1024 | "$HOOK" db-1 release end - 2>&1); rc=$?
is "$rc:$out" "0:" "release end after stopped is a no-op"

# restart gets its previous CPUs back
out=$(domxml db-1 "$U1" 2 1024 | "$HOOK" db-1 prepare begin - 2>&1); rc=$?
is "$rc" 0 "db-1 starts again"
is "$(jget "$W/run/ledger.json" '[e["held"] for e in j["entries"] if e["name"]=="db-1"][0]')" \
        "$held" "and gets its previous CPUs back"

# bad input
out=$(echo '<domain><name>x' | "$HOOK" db-9 prepare begin - 2>"$W/err"); rc=$?
is "$rc" 1 "malformed XML at prepare exits 1"
like "$(cat "$W/err")" "vmplace: db-9: domain XML" "with a one-line reason"
echo 'shares = 1' >>"$W/conf/profiles.d/database.ini"
out=$(domxml db-7 "$(uuidn 7)" 1 64 | "$HOOK" db-7 prepare begin - 2>"$W/err"); rc=$?
is "$rc" 1 "a broken profile refuses the start"
like "$(cat "$W/err")" "database.ini:" "naming the file"
out=$(domxml db-7 "$(uuidn 7)" 1 64 | "$HOOK" db-7 stopped end - 2>"$W/err"); rc=$?
is "$rc" 0 "stopped still succeeds with a broken profile"

"$HOOK" --help >/dev/null; ok $? "--help exits 0"
"$HOOK" >/dev/null 2>&1; is $? 2 "missing arguments exit 2"
done_testing
