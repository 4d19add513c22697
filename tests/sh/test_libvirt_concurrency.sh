#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real VMs started all at once under the real libvirtd: N one-vCPU VMs with a
# dedicated profile on a host whose dedicated pool has fewer CPUs than N, each
# `virsh start` a background job. The running ones hold disjoint CPUs in the
# kernel (cpuset.cpus of their vcpu0 group and their vCPU thread's
# Cpus_allowed_list) equal to their ledger entries, the others did not start
# and libvirt's error carries vmplace's refusal, the ledger holds exactly the
# running ones, and after destroying them all it is empty.
# Run it under: flock /tmp/vmplace-libvirt.lock (shares the system libvirtd).
. "$(dirname "$0")/lib.sh"
scratch
N=${CONC_VMS:-6}
tag=vpcc-$$
LV_VMS=$(for i in $(seq 1 "$N"); do printf '%s-%d ' "$tag" "$i"; done)
libvirt_setup "$tag"
pool=$(cat /sys/devices/system/cpu/online)
npool=$(PYTHONPATH=$VMPLACE_SRC/tests/sh python3 -c \
        'import sys, ledgercheck; print(len(ledgercheck.expand(sys.argv[1])))' "$pool")
cat >"$W/conf/vmplace.ini" <<INI
[host]
dedicated_cpus = $pool
INI
cat >"$W/conf/profiles.d/ded.ini" <<INI
[match]
names = $tag-*
[placement]
cpu_policy = dedicated
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload

mkdir -p "$W/out"
for d in $LV_VMS; do
        "$VMPLACE_SRC/scripts/minivm-xml.sh" "$d" 1 >"$W/$d.xml"
        $V define "$W/$d.xml" >/dev/null
done
for d in $LV_VMS; do
        ($V start "$d" >/dev/null 2>"$W/out/$d.err"; echo $? >"$W/out/$d.rc") &
done
wait

running="" refused=0 bad=0
for d in $LV_VMS; do
        if [ "$(cat "$W/out/$d.rc")" = 0 ]; then
                like "$($V domstate "$d")" running "$d started and runs"
                running="$running $d"
        else
                refused=$((refused + 1))
                grep -q "vmplace: $d (profile ded): no NUMA node has 1 free dedicated CPUs" \
                        "$W/out/$d.err" || {
                        bad=$((bad + 1))
                        echo "# $d: $(cat "$W/out/$d.err")"
                }
                [ "$($V domstate "$d")" = "shut off" ] || bad=$((bad + 1))
        fi
done
nrun=$(echo $running | wc -w)
echo "# $N started at once on a pool of $npool CPUs ($pool): $nrun running, $refused refused"
ok "$([ "$nrun" -ge 1 ] && [ "$nrun" -le "$npool" ]; echo $?)" \
        "between 1 and $npool of $N VMs run ($nrun)"
is "$((nrun + refused))" "$N" "every other start was refused"
is "$bad" 0 "every refused VM is shut off and libvirt's error carries vmplace's reason"
is "$(jget "$W/run/ledger.json" '" ".join(sorted(e["name"] for e in j["entries"]))')" \
        "$(echo $running | tr ' ' '\n' | sort | xargs)" "the ledger holds exactly the running VMs"

# The kernel's view: each running VM's vCPU group and thread on its own CPU.
seen="" overlap=0
for d in $running; do
        held=$(jget "$W/run/ledger.json" "[e['held'] for e in j['entries'] if e['name'] == '$d'][0]")
        cg=$(cgdir "$d" cpuset)
        is "$(cat "$cg/vcpu0/cpuset.cpus")" "$held" "$d: vcpu0/cpuset.cpus = ledger's $held"
        tid=$(sed -n "s/.*<vcpu id='0' pid='\([0-9]*\)'.*/\1/p" "/run/libvirt/qemu/$d.xml")
        is "$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$(qpid "$d")/task/$tid/status")" "$held" \
                "$d: vCPU thread $tid allowed on $held only"
        for c in $(PYTHONPATH=$VMPLACE_SRC/tests/sh python3 -c \
                'import sys, ledgercheck; print(*sorted(ledgercheck.expand(sys.argv[1])))' "$held"); do
                case " $seen " in *" $c "*) overlap=$((overlap + 1)) ;; esac
                seen="$seen $c"
        done
done
is "$overlap" 0 "no CPU in two running VMs' cpusets"
res=$(python3 "$VMPLACE_SRC/tests/sh/ledgercheck.py" "$W/run" "$pool")
ok $? "ledgercheck: $res"

for d in $LV_VMS; do ($V destroy "$d" >/dev/null 2>&1) & done
wait
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 0 "ledger empty after destroying all"
is "$(ls "$W/run/domains" | wc -l)" 0 "no state file left"
done_testing
