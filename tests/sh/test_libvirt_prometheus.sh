#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vmplace status --prometheus` on a real libvirtd VM: the gauges equal the
# ledger's values; drift made behind vmplace's back with virsh schedinfo
# --live shows as vmplace_domain_drift_files > 0 and state="drift", and
# counts once in vmplace_drift_detections_total however many runs see it;
# after vmplace-enforce repairs it the domain is clean again and the counter
# stays; a new drift counts again. --prometheus=FILE replaces FILE by rename.
. "$(dirname "$0")/lib.sh"
scratch
tag=vpp$$
LV_VMS="$tag-a"
PROMCHECK=$VMPLACE_SRC/tests/sh/promcheck.py
ENF=$ENFORCE
libvirt_setup "prom-$tag"
printf '[host]\n' >"$W/conf/vmplace.ini"
cat >"$W/conf/profiles.d/pr.ini" <<INI
[match]
names = $tag-?
[cputune]
vcpu_period = 100000
vcpu_quota = 60000
[placement]
cpu_policy = dedicated
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
lv_reload
"$VMPLACE_SRC/scripts/minivm-xml.sh" "$tag-a" 1 >"$W/a.xml"
$V define "$W/a.xml" >/dev/null
$V start "$tag-a" >/dev/null; ok $? "a managed VM starts"
export VMPLACE_CONFDIR=$W/conf VMPLACE_RUNDIR=$W/run
lv_agree; is $? 0 "vmplace-agent --once tells libvirt its placement"

# prom: run status --prometheus, validate it, keep the samples in $W/p.json
prom() {
        "$CLI" status --prometheus >"$W/p.txt" 2>"$W/err"
        python3 "$PROMCHECK" "$W/p.txt" >"$W/p.json" 2>>"$W/err"
}
# metric NAME [STATE]: the values of NAME for our domain (and that state
# label); a metric without a domain (or state) label matches any
metric() {
        jget "$W/p.json" "[int(s[2]) for s in j if s[0] == '$1' and s[1].get('domain', '$tag-a') == '$tag-a' and s[1].get('state', '${2:-}') == '${2:-}']"
}
# ledger EXPR: EXPR on e, our ledger entry; ncpus counts a cpuset string
ledger() {
        jget "$W/run/ledger.json" "(lambda e: $1)([e for e in j['entries'] if e['name'] == '$tag-a'][0])"
}
ncpus='(lambda s: sum(int(b) - int(a) + 1 for a, b in (r.split("-") if "-" in r else (r, r) for r in s.split(","))) if s else 0)'

prom; ok $? "status --prometheus runs and its output validates: $(cat "$W/err")"
is "$(metric vmplace_domain_vcpu_cpus)" "[$(ledger "$ncpus(e['vcpu_cpus'])")]" "vcpu_cpus = the ledger's"
is "$(metric vmplace_domain_held_cpus)" "[$(ledger "$ncpus(e['held'])")]" "held_cpus = the ledger's"
is "$(metric vmplace_domain_held_cpus)" "[1]" "a 1-vCPU dedicated VM holds 1 CPU"
is "$(metric vmplace_domain_emulator_cpus)" "[$(ledger "$ncpus(e['emulator_cpus'])")]" \
        "emulator_cpus = the ledger's"
is "$(jget "$W/p.json" "sorted((s[1]['node'], int(s[2])) for s in j if s[0] == 'vmplace_domain_memory_bytes' and s[1]['domain'] == '$tag-a')")" \
        "$(ledger 'sorted((n, k * 1024) for n, k in e["memory"].items())')" "memory bytes per node = the ledger's KiB * 1024"
is "$(ledger 'sum(e["memory"].values())')" 65536 "(64 MiB in the ledger)"
is "$(jget "$W/p.json" "[[s[1][k] for k in ('uuid', 'profile', 'matched_by', 'kind', 'state')] for s in j if s[0] == 'vmplace_domain_info']")" \
        "[$(ledger '[e[k] for k in ("uuid", "profile", "matched_by", "kind")] + ["enforced"]')]" \
        "info labels = the ledger's, state enforced"
is "$(metric vmplace_domain_state enforced)" "[1]" "state enforced: 1"
is "$(metric vmplace_domain_state drift)" "[0]" "state drift: 0"
is "$(metric vmplace_domain_drift_files)" "[0]" "drift_files 0"
is "$(metric vmplace_drift_detections_total)" "[0]" "counter 0"

$V schedinfo "$tag-a" --live vcpu_quota=30000 >/dev/null; ok $? "virsh schedinfo --live changes vcpu_quota"
prom
n=$("$CLI" status --json | jget - 'len(j["domains"][0]["drift"])')
ok "$([ "$n" -gt 0 ]; echo $?)" "status --json sees $n drifting files"
is "$(metric vmplace_domain_drift_files)" "[$n]" "drift_files = that number"
is "$(metric vmplace_domain_state drift)" "[1]" "state drift: 1"
is "$(metric vmplace_domain_state enforced)" "[0]" "state enforced: 0"
is "$(jget "$W/p.json" "sum(int(s[2]) for s in j if s[0] == 'vmplace_domain_state')")" 1 "one-hot: exactly one 1"
is "$(metric vmplace_drift_detections_total)" "[1]" "counter 1"
prom
is "$(metric vmplace_drift_detections_total)" "[1]" "drift still there on the next run: still 1"
"$CLI" status --prometheus --check >/dev/null; is $? 1 "--prometheus --check exits 1 on drift"

"$ENF" "$tag-a" >/dev/null && lv_agree; is $? 0 "vmplace-enforce and vmplace-agent --once repair it"
prom
is "$(metric vmplace_domain_drift_files)" "[0]" "drift_files 0 again"
is "$(metric vmplace_domain_state enforced)" "[1]" "state enforced again"
is "$(metric vmplace_drift_detections_total)" "[1]" "counter unchanged by the repair"
"$CLI" status --prometheus --check >/dev/null; is $? 0 "--prometheus --check exits 0"

$V schedinfo "$tag-a" --live vcpu_quota=20000 >/dev/null
prom
is "$(metric vmplace_drift_detections_total)" "[2]" "a new drift after the repair counts again: 2"
"$ENF" "$tag-a" >/dev/null && lv_agree
prom

# --- --prometheus=FILE --------------------------------------------------------
F=$W/textfile/vmplace.prom
mkdir -p "${F%/*}"
echo old >"$F"
ino=$(stat -c %i "$F")
"$CLI" status --prometheus="$F"; is $? 0 "--prometheus=FILE exits 0"
"$CLI" status --prometheus >"$W/stdout.txt"
ok "$([ "$(stat -c %i "$F")" != "$ino" ]; echo $?)" "FILE was replaced by a new file (rename), not rewritten"
is "$(ls "${F%/*}")" vmplace.prom "no temporary file left next to it"
is "$(diff <(grep -v '^vmplace_last_run_timestamp_seconds ' "$F") <(grep -v '^vmplace_last_run_timestamp_seconds ' "$W/stdout.txt"))" "" \
        "FILE equals the stdout output but for the timestamp"
is "$(grep -c '^vmplace_last_run_timestamp_seconds [0-9]*$' "$F")" 1 "with a timestamp"
is "$(stat -c %a "$F")" 644 "readable by the node exporter (0644)"
python3 "$PROMCHECK" "$F" >/dev/null; ok $? "FILE validates"

$V destroy "$tag-a" >/dev/null
prom
is "$(jget "$W/p.json" "len([s for s in j if s[0] == 'vmplace_domain_info'])")" 0 "no domain samples once the VM is gone"
is "$(metric vmplace_drift_detections_total)" "[2]" "the counter keeps its value"
done_testing
