#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The deciding half of the hook under a real libvirtd with real QEMU VMs:
# prepare records the placement, a start that cannot fit is refused and
# virsh shows the hook's one-line reason, unmanaged VMs are untouched,
# stopping frees the CPUs, and the ledger is empty at the end.
# Starts its own libvirtd when none answers (scripts/libvirt-up.sh).
. "$(dirname "$0")/lib.sh"
scratch
tag=vpt$$
LV_VMS="$tag-a $tag-b $tag-web"
libvirt_setup "test-$tag"
ncpu=$(nproc)
printf '[host]\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/pinned.ini" <<INI
[match]
names = $tag-?
[cputune]
shares = 2048
[placement]
cpu_policy = dedicated
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload

mkvm() { "$VMPLACE_SRC/scripts/minivm-xml.sh" "$@"; }
mkvm "$tag-a" 1 >"$W/a.xml"
mkvm "$tag-b" "$ncpu" >"$W/b.xml"
mkvm "$tag-web" 1 >"$W/web.xml"
for x in a b web; do $V define "$W/$x.xml" >/dev/null; done

$V start "$tag-a" >/dev/null 2>"$W/err"; rc=$?
is "$rc" 0 "a managed VM starts"
like "$($V domstate "$tag-a")" running "and runs"
uuid_a=$($V domuuid "$tag-a")
is "$(jget "$W/run/ledger.json" '[e["uuid"] for e in j["entries"]]')" "[\"$uuid_a\"]" \
        "prepare recorded it in the ledger under its libvirt UUID"
held=$(jget "$W/run/ledger.json" 'j["entries"][0]["held"]')
is "$(jget "$W/run/ledger.json" 'j["entries"][0]["kind"]')" dedicated "as dedicated"
ok $([ -n "$held" ] && [ "$held" != null ]; echo $?) "holding CPU $held"
like "$(cat "$W/run/domains/$uuid_a.xml")" "<shares>2048</shares>" "the rewritten XML is recorded"

$V start "$tag-b" >/dev/null 2>"$W/err"; rc=$?
ok $([ $rc -ne 0 ]; echo $?) "a VM wanting all $ncpu CPUs dedicated is refused"
like "$(cat "$W/err")" "vmplace: $tag-b (profile pinned): no NUMA node has $ncpu free dedicated CPUs" \
        "virsh shows the hook's reason"
like "$($V domstate "$tag-b")" "shut off" "the refused VM is not running"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 1 "the refusal committed nothing"

$V start "$tag-web" >/dev/null 2>&1; rc=$?
is "$rc" 0 "an unmanaged VM starts"
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 1 "and is not in the ledger"

$V destroy "$tag-a" >/dev/null; $V destroy "$tag-web" >/dev/null
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 0 "stopping frees the entry: ledger empty"
ok $([ ! -e "$W/run/domains/$uuid_a.xml" ]; echo $?) "and its state files"
$V start "$tag-a" >/dev/null 2>&1
is "$(jget "$W/run/ledger.json" 'j["entries"][0]["held"]')" "$held" "a restart gets the same CPU back"
$V destroy "$tag-a" >/dev/null
is "$(jget "$W/run/ledger.json" 'len(j["entries"])')" 0 "ledger empty after all VMs are destroyed"
done_testing
