#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# [placement] isolation = host (docs/isolation.md), as far as it is built:
# validate accepts it on a dedicated profile (with a warning that host tasks
# are not moved yet) and refuses it elsewhere, plan shows it, and the hook records
# it in the ledger entry, from which the isolated set follows; the ledger's
# binary cache keeps it. Nothing here touches the host: a fake 2-node tree.
. "$(dirname "$0")/lib.sh"
scratch
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt
U1=$(uuidn 1) U2=$(uuidn 2) U3=$(uuidn 3)

printf '[host]\nreserved_cpus = 0,4\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = iso-*\n[placement]\ncpu_policy = dedicated\nisolation = host\n' \
        >"$W/conf/profiles.d/iso.ini"
printf '[match]\nnames = ded-*\n[placement]\ncpu_policy = dedicated\n' >"$W/conf/profiles.d/ded.ini"
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini

"$CLI" validate >"$W/out" 2>"$W/err"
is "$?" 0 "validate: isolation = host on a dedicated profile is valid"
is "$(cat "$W/err")" "warning: $W/conf/profiles.d/iso.ini:5: isolation = host: vmplace-agent moves IRQs and the unbound workqueues off this profile's CPUs; host tasks are not moved yet" \
        "with one warning that says what it does not do yet"

domxml iso-1 "$U1" 2 512 >"$W/iso-1.xml"
domxml ded-1 "$U2" 2 512 >"$W/ded-1.xml"
"$CLI" plan --xml "$W/iso-1.xml" >"$W/plan.txt" 2>&1
cpus=$("$CLI" plan --json --xml "$W/iso-1.xml" | jget - 'j["cpus"]')
like "$(cat "$W/plan.txt")" "isolation   host: CPUs $cpus to be taken from the host while it runs (IRQs and workqueues; host tasks not yet)" \
        "plan names the CPUs isolation would take ($cpus)"
is "$("$CLI" plan --json --xml "$W/iso-1.xml" | jget - 'j["isolation"]')" host "plan --json: isolation host"
is "$("$CLI" plan --json --xml "$W/ded-1.xml" | jget - 'j["isolation"]')" none "and none for a profile without it"
"$CLI" plan --xml "$W/ded-1.xml" | grep -q '^isolation'
ok "$((! $?))" "plan prints no isolation line without it"

"$HOOK" iso-1 prepare begin - <"$W/iso-1.xml"
is "$?" 0 "prepare iso-1"
"$HOOK" ded-1 prepare begin - <"$W/ded-1.xml"
is "$?" 0 "prepare ded-1 (a later load reads the ledger through its cache)"
entry() { jget "$W/run/ledger.json" "[e.get('isolation') for e in j['entries'] if e['name'] == '$1'][0]"; }
is "$(entry iso-1)" host "the ledger records isolation = host for iso-1"
is "$(entry ded-1)" null "and nothing for ded-1"
held=$(jget "$W/run/ledger.json" "[e['held'] for e in j['entries'] if e['name'] == 'iso-1'][0]")
is "$held" "$cpus" "iso-1 holds the CPUs plan named"
# a third prepare loads the ledger from its binary cache: iso-1 keeps its mark
domxml ded-2 "$U3" 1 512 | "$HOOK" ded-2 prepare begin -
is "$(entry iso-1)" host "after a load from ledger.cache, iso-1 is still isolated"
grep -q '"isolation"' "$W/run/ledger.json"
ok $? "isolation is written to ledger.json"

# a shared profile cannot isolate
printf '[match]\nnames = sh-*\n[placement]\ncpu_policy = shared\nisolation = host\n' \
        >"$W/conf/profiles.d/sh.ini"
chmod 644 "$W/conf/profiles.d/sh.ini"
"$CLI" validate >"$W/out" 2>&1
is "$?" 1 "validate refuses isolation = host on a shared profile"
like "$(cat "$W/out")" "$W/conf/profiles.d/sh.ini:5: isolation: isolation = host needs cpu_policy = dedicated (cpu_policy is shared)" \
        "naming the file, line and why"
done_testing
