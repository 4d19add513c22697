#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vmplace sync` through the libvirt API (SPEC 5, issue "Operate"): the
# placement, launch-only parts included, lands in the persistent definition,
# virsh dumpxml shows it, a second run changes nothing, a restart launches
# QEMU with it, and nothing else of the definition is lost (a VNC password).
. "$(dirname "$0")/lib.sh"
scratch
tag=vpy$$
LV_VMS="$tag-a $tag-t"
libvirt_setup "sync-$tag"
printf '[host]\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/sy.ini" <<INI
[match]
names = $tag-?
[cputune]
shares = 1536
[placement]
cpu_policy = shared
[numatune]
mode = preferred
[guest_numa]
cells = auto
INI
chmod 644 "$W/conf/vmplace.ini" "$W/conf/profiles.d/sy.ini"
lv_reload
cat >"$W/a.xml" <<XML
<domain type='qemu'>
  <name>$tag-a</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <console type='pty'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' passwd='s3cretpw'/>
  </devices>
</domain>
XML
$V define "$W/a.xml" >/dev/null
$V start "$tag-a" >/dev/null; ok $? "a managed VM starts"
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
inactive() { $V dumpxml --inactive --security-info "$tag-a"; }
inactive >"$W/def0.xml"
ok "$(grep -c '<numatune>' "$W/def0.xml")" "the definition has no <numatune> before sync"

out=$("$CLI" sync --dry-run "$tag-a"); is $? 0 "sync --dry-run exits 0"
like "$out" "would-define" "and says it would define"
like "$out" "+    <memory mode=\"preferred\" nodeset=\"0\"/>" "its diff shows the numatune it would write"
inactive | cmp -s - "$W/def0.xml"; ok $? "--dry-run leaves the definition byte-identical"

out=$("$CLI" sync --json "$tag-a"); is $? 0 "sync exits 0"
is "$(echo "$out" | jget - 'j["domains"][0]["result"]')" defined "result: defined"
is "$(echo "$out" | jget - 'j["domains"][0]["launch_only"]')" '["guest_numa", "numatune.memnode", "numatune.mode"]' \
        "it names the launch-only parts it persisted"
inactive >"$W/def1.xml"
xp() { python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(" ".join(sorted(" ".join(f"{k}={v}" for k,v in sorted(e.attrib.items())) or e.text for e in r.findall(sys.argv[2]))))' "$1" "$2"; }
is "$(xp "$W/def1.xml" numatune/memory)" "mode=preferred nodeset=0" "virsh dumpxml --inactive: <memory mode='preferred' nodeset='0'/>"
is "$(xp "$W/def1.xml" numatune/memnode)" "cellid=0 mode=preferred nodeset=0" "and the cell's memnode"
is "$(xp "$W/def1.xml" cpu/numa/cell)" "cpus=0-1 id=0 memory=65536 unit=KiB" "a guest cell holding both vCPUs and all memory"
is "$(xp "$W/def1.xml" cputune/shares)" 1536 "and the shares"
is "$(xp "$W/def1.xml" devices/graphics | tr ' ' '\n' | grep passwd)" "passwd=s3cretpw" \
        "the VNC password survived (nothing else lost)"
is "$(xp "$W/def1.xml" vcpu)" "cpuset=0-1 placement=static" "<vcpu cpuset> is the shared pool"
is "$(grep -o "<vcpu [^>]*>[0-9]*</vcpu>" "$W/def1.xml" | sed 's/<[^>]*>//g')" 2 "and still 2 vCPUs"

out=$("$CLI" sync "$tag-a"); is $? 0 "a second sync exits 0"
like "$out" "unchanged" "and changes nothing"
inactive | cmp -s - "$W/def1.xml"; ok $? "the definition is byte-identical after the second sync"

# the launch-only parts take effect at the next boot
$V destroy "$tag-a" >/dev/null
$V start "$tag-a" >/dev/null; ok $? "the VM restarts from the synced definition"
pid=$(qpid "$tag-a")
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
like "$cmdline" "-numa node,nodeid=0,cpus=0-1" "QEMU runs with the guest NUMA cell"
like "$cmdline" '"host-nodes":[0],"policy":"preferred"' "and its memory backend uses the preferred policy on node 0"
is "$($V dumpxml "$tag-a" | grep -c "<memory mode='preferred' nodeset='0'/>")" 1 "the live XML shows it too"
is "$("$CLI" status --json | jget - '[d["state"] for d in j["domains"]]')" '["enforced"]' "status: enforced after the restart"

# errors: one line, exit 1, nothing changed
out=$("$CLI" sync "$tag-nosuch"); is $? 1 "an unknown domain: exit 1"
like "$out" "no such domain" "with its reason"
domxml "$tag-t" "$(uuidn $$)" 1 64 | sed "s/<domain type='qemu'>/<domain type='qemu'>/" >"$W/t.xml"
$V create "$W/t.xml" >/dev/null; ok $? "a transient managed VM starts"
out=$("$CLI" sync "$tag-t"); is $? 1 "a transient domain: exit 1"
like "$out" "transient domain" "saying it has no persistent definition"
out=$("$CLI" sync --json --all); is $? 0 "sync --all exits 0 (transient domains are not listed)"
is "$(echo "$out" | jget - '[d["name"]+" "+d["result"] for d in j["domains"] if d["name"].startswith("'"$tag"'")]')" \
        "[\"$tag-a unchanged\"]" "--all finds the synced domain unchanged"
"$CLI" sync -c qemu:///nonesuch "$tag-a" 2>"$W/err" >/dev/null; is $? 2 "a bad URI: exit 2"
is "$(wc -l <"$W/err")" 1 "with a one-line message"
$V destroy "$tag-t" >/dev/null 2>&1
$V destroy "$tag-a" >/dev/null
done_testing
