#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden plans: each tests/data/golden/plans/CASE/ holds an input (domain.xml,
# conf/ with vmplace.ini and profiles.d/, the fake topology's name in `topo`,
# optionally a ledger.json of other VMs) and the expected outputs:
#   expected.json  `vmplace plan --json --xml domain.xml`
#   expected.rc    its exit status
#   expected.xml   the rewritten XML the hook records at prepare (when admitted)
# VMPLACE_REGENERATE=1 rewrites the expected files instead of comparing:
# review the diff before committing it.
. "$(dirname "$0")/lib.sh"
scratch
cases=$VMPLACE_TEST_DATA/golden/plans
regen=${VMPLACE_REGENERATE:-0}

for dir in "$cases"/*/; do
        c=$(basename "$dir")
        rm -rf "$W/conf" "$W/run"
        cp -r "$dir/conf" "$W/conf"
        chmod -R go-w "$W/conf"
        mkdir -p "$W/run" && chmod 700 "$W/run"
        [ -f "$dir/ledger.json" ] && cp "$dir/ledger.json" "$W/run/ledger.json"
        export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/$(cat "$dir/topo")
        # plan: a dry run must not touch the ledger
        before=$(cat "$W/run/ledger.json" 2>/dev/null)
        "$CLI" plan --json --xml "$dir/domain.xml" >"$W/plan.json" 2>"$W/plan.err"
        rc=$?
        is "$(cat "$W/run/ledger.json" 2>/dev/null)" "$before" "$c: plan commits nothing"
        # prepare: what the hook records
        name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$dir/domain.xml" | head -1)
        uuid=$(sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' "$dir/domain.xml" | head -1)
        "$HOOK" "$name" prepare begin - <"$dir/domain.xml" >/dev/null 2>&1
        xml_out=$W/run/domains/$uuid.xml
        if [ "$regen" = 1 ]; then
                cp "$W/plan.json" "$dir/expected.json"
                echo "$rc" >"$dir/expected.rc"
                if [ -f "$xml_out" ]; then cp "$xml_out" "$dir/expected.xml"; else rm -f "$dir/expected.xml"; fi
                ok 0 "$c: regenerated"
                continue
        fi
        is "$rc" "$(cat "$dir/expected.rc")" "$c: plan exit status"
        diff -u "$dir/expected.json" "$W/plan.json" >"$W/d" 2>&1
        ok $? "$c: plan JSON matches"
        [ -s "$W/d" ] && sed 's/^/#   /' "$W/d" | head -40
        if [ -f "$dir/expected.xml" ]; then
                diff -u "$dir/expected.xml" "$xml_out" >"$W/d" 2>&1
                ok $? "$c: recorded XML matches"
                [ -s "$W/d" ] && sed 's/^/#   /' "$W/d" | head -40
                if command -v virt-xml-validate >/dev/null; then
                        virt-xml-validate "$xml_out" domain >/dev/null 2>&1
                        ok $? "$c: recorded XML validates against libvirt's schema"
                fi
        else
                ok $([ ! -f "$xml_out" ]; echo $?) "$c: nothing recorded"
        fi
done
done_testing
