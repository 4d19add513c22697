#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vmplace status` judges running domains by reading the kernel (SPEC 5):
# drift made behind vmplace's back with virsh schedinfo --live and with
# taskset shows as state "drift" with {file, want, have}, --check exits 1,
# and after vmplace-enforce repairs it the state is "enforced" again.
. "$(dirname "$0")/lib.sh"
scratch
tag=vps$$
LV_VMS="$tag-a"
libvirt_setup "status-$tag"
printf '[host]\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/st.ini" <<INI
[match]
names = $tag-?
[cputune]
shares = 1536
vcpu_period = 100000
vcpu_quota = 60000
vcpus = 0-1
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload
"$VMPLACE_SRC/scripts/minivm-xml.sh" "$tag-a" 2 >"$W/a.xml"
$V define "$W/a.xml" >/dev/null
$V start "$tag-a" >/dev/null; ok $? "a managed VM starts"
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
st() { "$CLI" status --json | jget - "$1"; }
like "$(st 'j["domains"][0]["drift"]')" '"file": "libvirt schedinfo cpu_shares", "want": "1536", "have": "unset"' \
        "right after start, before vmplace-agent, status says libvirt's live definition lacks the shares"
lv_agree; is $? 0 "vmplace-agent --once tells libvirt"

is "$(st 'j["domains"][0]["state"]')" enforced "status: enforced once libvirt agrees"
is "$(st 'j["domains"][0]["drift"]')" "[]" "no drift"
"$CLI" status --check >/dev/null; is $? 0 "status --check exits 0"

$V schedinfo "$tag-a" --live vcpu_quota=30000 >/dev/null
is "$(st 'j["domains"][0]["state"]')" drift "virsh schedinfo --live behind vmplace's back: drift"
is "$(st '[(d["file"], d["want"], d["have"]) for d in j["domains"][0]["drift"] if d["file"]=="vcpu0/cpu.cfs_quota_us"]')" \
        '[["vcpu0/cpu.cfs_quota_us", "60000", "30000"]]' "named with want and have"
"$CLI" status --check >/dev/null; is $? 1 "status --check exits 1"
out=$("$CLI" status); like "$out" "drift: vcpu1/cpu.cfs_quota_us" "human status lists the drifting files"

"$ENFORCE" "$tag-a" >/dev/null && lv_agree; is $? 0 "vmplace-enforce and vmplace-agent --once repair it"
is "$(st 'j["domains"][0]["state"]')" enforced "status: enforced again"

pid=$(qpid "$tag-a")
tid=$(grep -l "^CPU 1/" /proc/$pid/task/*/comm | head -1 | cut -d/ -f5)
taskset -p -c 0 "$tid" >/dev/null; ok $? "taskset narrows vCPU 1's thread to CPU 0"
is "$(st '[d["want"] + " " + d["have"] for d in j["domains"][0]["drift"] if "Cpus_allowed_list" in d["file"]]')" \
        '["0-1 0"]' "status sees the thread's real affinity drift"
"$ENFORCE" "$tag-a" >/dev/null && lv_agree
is "$(st 'j["domains"][0]["state"]')" enforced "and it is repaired"
$V destroy "$tag-a" >/dev/null
is "$(st 'len(j["domains"])')" 0 "no rows once the VM is gone"
done_testing
