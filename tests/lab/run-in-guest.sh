#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lab's checks, run as root inside the booted lab guest (systemd, cgroup
# v2 only, 2 NUMA nodes with SMT) from the host's share /lab (outputs in
# /lab/out): install the
# vmplace package the way an admin does, start a nested QEMU domain under the
# real libvirtd, and check what the hook applied in the scope's nested
# libvirt/ tree, the threads' affinity and the node choice, again after
# `systemctl daemon-reload` and after a libvirtd restart, then that the
# ledger frees the domain on destroy. One "PASS: ..." or "FAIL: ..." line per
# check, a summary last; exit 1 on any failure.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
IN=${LAB_DIR:-/lab}
L=$IN/out
mkdir -p "$L"
DOM=lab-vm1
RESULTS=$L/results.txt
: >"$RESULTS"
NPASS=0 NFAIL=0

say() { echo "$*" | tee -a "$RESULTS"; }
pass() { NPASS=$((NPASS + 1)); say "PASS: $1"; }
fail() { NFAIL=$((NFAIL + 1)); say "FAIL: $1${2:+ ($2)}"; }
ok() { # ok STATUS NAME [DETAIL]
	if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2" "${3:-}"; fi
}
is() { # is GOT WANT NAME
	if [ "$1" == "$2" ]; then pass "$3"; else fail "$3" "got '$1', want '$2'"; fi
}
step() { echo "== $* ($(cut -d' ' -f1 /proc/uptime) s since boot)"; }
finish() {
	say "SUMMARY: $NPASS passed, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
	exit $?
}
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 1
	done
}

step "the host"
is "$(stat -fc %T /sys/fs/cgroup)" cgroup2fs "/sys/fs/cgroup is cgroup2"
is "$(awk '$3 == "cgroup"' /proc/mounts | wc -l)" 0 "no cgroup v1 hierarchy is mounted"
is "$(ps -o comm= -p 1)" systemd "PID 1 is systemd"
is "$(cat /sys/devices/system/node/node0/cpulist) $(cat /sys/devices/system/node/node1/cpulist)" \
	"0-1 2-3" "2 NUMA nodes: CPUs 0-1 and 2-3"
is "$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list) $(cat /sys/devices/system/cpu/cpu2/topology/thread_siblings_list)" \
	"0-1 2-3" "SMT: CPUs 0-1 and 2-3 are sibling threads"

step "libvirtd under systemd"
systemctl start libvirtd.service
wait_for 120 virsh -c qemu:///system version
is "$(systemctl is-active libvirtd.service)" active "libvirtd.service is active"
pid_before=$(systemctl show -p MainPID --value libvirtd.service)

step "install the package"
t0=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1
DEBIAN_FRONTEND=noninteractive dpkg -i "$IN/vmplace.deb" >"$L/dpkg.log" 2>&1
ok $? "dpkg -i vmplace.deb" "see dpkg.log"
is "$(readlink /etc/libvirt/hooks/qemu.d/50-vmplace)" /usr/libexec/vmplace/vmplace-hook \
	"the hook is linked as qemu.d/50-vmplace"
is "$(systemctl show -p MainPID --value libvirtd.service)" "$pid_before" \
	"postinst did not restart libvirtd"
wait_for 30 sh -c "journalctl -u libvirtd.service --since '$t0' | grep -q 'Reloaded'"
ok $? "postinst reloaded libvirtd.service through systemd" \
	"$(journalctl -u libvirtd.service --since "$t0" --no-pager | tail -3 | tr '\n' ' ')"
is "$(systemctl is-enabled vmplace-agent.service 2>&1)" enabled "postinst enabled vmplace-agent.service"
wait_for 30 systemctl is-active --quiet vmplace-agent.service
ok $? "and started it" "$(systemctl status vmplace-agent.service --no-pager 2>&1 | tail -5 | tr '\n' ' ')"
agent_pid=$(systemctl show -p MainPID --value vmplace-agent.service)

step "profile and domain"
cat >/etc/vmplace/profiles.d/lab.ini <<'INI'
; the lab's class: 2 dedicated vCPUs on one node, memory bound there
[match]
names = lab-*
[cputune]
shares = 512
vcpu_period = 100000
vcpu_quota = 50000
[placement]
cpu_policy = dedicated
thread_policy = prefer
numa_nodes = 1
[numatune]
mode = strict
nodeset = auto
INI
chmod 644 /etc/vmplace/profiles.d/lab.ini
vmplace validate >"$L/validate.txt" 2>&1
ok $? "vmplace validate accepts the shipped and the lab profiles" "$(head -3 "$L/validate.txt")"
cat >"$L/$DOM.xml" <<XML
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>128</memory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><console type='pty'/></devices>
</domain>
XML
virsh define "$L/$DOM.xml" >/dev/null
ok $? "virsh define $DOM"
# bounded: under nested TCG one start hung until the lab's own 1800 s
# timeout, with nothing said; on expiry the journal says where it stood
timeout 300 virsh start "$DOM" >"$L/start.txt" 2>&1
rc=$?
[ $rc -ne 124 ] || { echo "# virsh start $DOM did not return within 300 s; libvirtd's journal:"
	journalctl -u libvirtd.service --since "-10min" --no-pager 2>&1 | tail -40 | sed 's/^/#   /'
	ps -eo pid,stat,etime,args | grep -E 'qemu|vmplace|libvirt' | grep -v grep | sed 's/^/#   /'; }
ok $rc "virsh start $DOM (the hook placed it without a manual SIGHUP)" "$(tr '\n' ' ' <"$L/start.txt")"
[ "$(virsh domstate "$DOM" 2>/dev/null)" = running ] || {
	fail "$DOM is running" "$(virsh domstate "$DOM" 2>&1)"
	finish
}
uuid=$(virsh domuuid "$DOM" | head -1)
PLAN=/run/vmplace/domains/$uuid.plan.json
QPID=$(cat "/run/libvirt/qemu/$DOM.pid")
[ -s "$PLAN" ]
ok $? "the hook recorded the plan at $PLAN"

# the CPUs the ledger's entry for $DOM holds, "0,1" (empty: no entry)
ledger_cpus() {
	jq -r '.entries[] | select(.uuid == "'"$uuid"'") | .held' /run/vmplace/ledger.json 2>/dev/null |
		tr ',' '\n' | while IFS=- read -r a b; do seq "$a" "${b:-$a}"; done | paste -sd,
}

# The values every phase checks: what the kernel says against what the plan
# says and what the profile asked for. $1 names the phase.
check_values() {
	local ph=$1 cgline scope nested node ncpus cpus vcpus f v t n
	cgline=$(sed -n 's/^0:://p' "/proc/$QPID/cgroup")
	[[ $cgline =~ ^(/machine\.slice/machine-qemu\\x2d[0-9]+\\x2dlab\\x2dvm1\.scope)/libvirt(/.*)?$ ]]
	ok $? "$ph: QEMU runs in the nested libvirt/ tree of its machine.slice scope" "$cgline"
	scope=/sys/fs/cgroup${BASH_REMATCH[1]}
	nested=$scope/libvirt
	[ -d "$nested/vcpu0" ] && [ -d "$nested/vcpu1" ] && [ -d "$nested/emulator" ]
	ok $? "$ph: libvirt/vcpu0, vcpu1, emulator exist" "$(ls "$nested" 2>&1 | tr '\n' ' ')"

	# the plan's own list of writes, each read back from the kernel
	n=$(jq '.cgroup | length' "$PLAN")
	[ "${n:-0}" -gt 0 ]
	ok $? "$ph: the plan lists cgroup writes"
	while IFS=$'\t' read -r f v; do
		case "$f" in cpu.weight | cpu.shares) t=$scope/$f ;; *) t=$nested/$f ;; esac
		is "$(cat "$t" 2>&1)" "$v" "$ph: $f is the plan's value"
	done < <(jq -r '.cgroup[] | [.file, .value] | @tsv' "$PLAN")

	# the profile, independently of the plan
	is "$(cat "$scope/cpu.weight")" 512 "$ph: scope cpu.weight = shares 512 (libvirt's v2 pass-through)"
	is "$(cat "$nested/vcpu0/cpu.max") $(cat "$nested/vcpu1/cpu.max")" \
		"50000 100000 50000 100000" "$ph: vcpu0/vcpu1 cpu.max = vcpu_quota/vcpu_period"
	node=$(jq -r '.host_nodes | map(tostring) | join(",")' "$PLAN")
	[[ $node == 0 || $node == 1 ]]
	ok $? "$ph: the plan chose one of the 2 nodes" "host_nodes=$node"
	ncpus=$(cat "/sys/devices/system/node/node$node/cpulist")
	vcpus="$(cat "$nested/vcpu0/cpuset.cpus") $(cat "$nested/vcpu1/cpuset.cpus")"
	cpus=$(tr ' ' '\n' <<<"$vcpus" | sort -n | paste -sd,)
	case "$ncpus" in 0-1) want=0,1 ;; 2-3) want=2,3 ;; *) want=? ;; esac
	is "$cpus" "$want" "$ph: the 2 dedicated vCPUs hold one CPU each, both on node $node ($ncpus)"
	is "$(cat "$nested/vcpu0/cpuset.mems") $(cat "$nested/vcpu1/cpuset.mems") $(cat "$nested/emulator/cpuset.mems")" \
		"$node $node $node" "$ph: cpuset.mems of vcpu0, vcpu1, emulator = node $node (strict)"
	# each vCPU thread's affinity as the kernel reports it
	for t in /proc/$QPID/task/*; do
		case "$(cat "$t/comm")" in "CPU "*/TCG | "CPU "*/KVM) ;; *) continue ;; esac
		n=$(cut -d' ' -f2 <"$t/comm" | cut -d/ -f1)
		is "$(awk '/^Cpus_allowed_list/ {print $2}' "$t/status")" \
			"$(cat "$nested/vcpu$n/cpuset.cpus")" "$ph: thread 'CPU $n/TCG' Cpus_allowed_list = vcpu$n/cpuset.cpus"
		is "$(awk '/^Mems_allowed_list/ {print $2}' "$t/status")" "$node" \
			"$ph: thread 'CPU $n/TCG' Mems_allowed_list = node $node"
	done
	# the packaged vmplace-agent tells libvirt the placement: wait for it
	for _ in $(seq 1 100); do
		vmplace status --check >/dev/null 2>&1 && break
		sleep 0.1
	done
	is "$(systemctl is-active vmplace-agent.service)" active "$ph: the vmplace-agent service runs"
	# systemd re-applies its unit properties on daemon-reload: the value
	# survives only when systemd holds it too. The hook only writes the file;
	# libvirt sets CPUWeight over D-Bus when the agent tells it cpu_shares.
	is "$(systemctl show -p CPUWeight --value "${scope##*/}")" 512 \
		"$ph: systemd holds CPUWeight=512 for the scope (through libvirt, told by the agent)"
	for t in /proc/$QPID/task/*; do
		case "$(cat "$t/comm")" in "CPU "*/TCG | "CPU "*/KVM) ;; *) continue ;; esac
		n=$(cut -d' ' -f2 <"$t/comm" | cut -d/ -f1)
		is "$(virsh vcpupin "$DOM" --live | awk -v n="$n" '$1 == n":" || $1 == n {print $2}')" \
			"$(cat "$nested/vcpu$n/cpuset.cpus")" "$ph: virsh vcpupin $n says vcpu$n/cpuset.cpus"
	done
	is "$(virsh numatune "$DOM" --live | awk '$1 == "numa_nodeset" {print $3}')" "$node" \
		"$ph: virsh numatune says node $node"
	vmplace status --json >"$L/status.json" 2>&1
	is "$(jq -r '.domains[] | select(.name == "'$DOM'") | .state' "$L/status.json")" enforced \
		"$ph: vmplace status says enforced"
	is "$(jq -r '.cgroup_version' "$L/status.json")" 2 "$ph: vmplace status sees cgroup v2"
	vmplace status --check >"$L/status-check.txt" 2>&1
	ok $? "$ph: vmplace status --check exits 0" "$(tr '\n' ' ' <"$L/status-check.txt")"
	is "$(ledger_cpus)" "$cpus" "$ph: the ledger holds $DOM with its CPUs"
}

step "after start"
check_values "start"

step "systemctl daemon-reload"
systemctl daemon-reload
sleep 3
check_values "after daemon-reload"

step "systemctl restart libvirtd"
systemctl restart libvirtd.service
wait_for 120 virsh -c qemu:///system version
is "$(systemctl is-active libvirtd.service)" active "libvirtd.service is active again"
is "$(virsh domstate "$DOM" 2>&1)" running "$DOM still runs after the libvirtd restart"
is "$(cat "/run/libvirt/qemu/$DOM.pid")" "$QPID" "same QEMU process"
# not bound to libvirtd: the agent reconnects by itself, same process
is "$(systemctl show -p MainPID --value vmplace-agent.service)" "$agent_pid" \
	"vmplace-agent.service kept running through the libvirtd restart"
check_values "after libvirtd restart"

step "destroy"
virsh destroy "$DOM" >/dev/null 2>&1
ok $? "virsh destroy $DOM"
sleep 2
is "$(jq '[.entries[] | select(.uuid == "'"$uuid"'")] | length' /run/vmplace/ledger.json)" 0 \
	"the ledger freed $DOM"
[ ! -e "$PLAN" ]
ok $? "its plan file is gone"
virsh undefine "$DOM" >/dev/null 2>&1

# --- isolation = host (docs/isolation.md): so far IRQs and workqueues -------
# This guest is the only place it may run: it moves the host's IRQs.
step "isolation = host: IRQs and the unbound workqueues"
irq_snapshot() { # every IRQ's list, the default IRQ mask, the workqueue mask
	for d in /proc/irq/[0-9]*; do echo "${d##*/} $(cat "$d/smp_affinity_list" 2>/dev/null)"; done
	echo "default $(cat /proc/irq/default_smp_affinity)"
	echo "workqueue $(cat /sys/devices/virtual/workqueue/cpumask 2>/dev/null)"
}
# in_list LIST CPU: whether CPU is in a kernel CPU list ("0-1,3")
in_list() {
	local r a b
	for r in ${1//,/ }; do
		a=${r%-*} b=${r#*-}
		[ "$2" -ge "$a" ] && [ "$2" -le "$b" ] && return 0
	done
	return 1
}
irq_snapshot >"$L/irq-before.txt"
ISO=lab-iso1
cat >/etc/vmplace/profiles.d/iso.ini <<'INI'
[match]
names = lab-iso*
[placement]
cpu_policy = dedicated
isolation = host
INI
chmod 644 /etc/vmplace/profiles.d/iso.ini
sed "s/$DOM/$ISO/g; s|<vcpu placement='static'>2</vcpu>|<vcpu placement='static'>1</vcpu>|" \
	"$L/$DOM.xml" >"$L/$ISO.xml"
virsh define "$L/$ISO.xml" >/dev/null && timeout 300 virsh start "$ISO" >"$L/start-iso.txt" 2>&1
ok $? "virsh start $ISO (isolation = host)" "$(tr '\n' ' ' <"$L/start-iso.txt")"
iuuid=$(virsh domuuid "$ISO" | head -1)
icpus=$(jq -r '.entries[] | select(.uuid == "'"$iuuid"'") | .held' /run/vmplace/ledger.json)
is "$(jq -r '.entries[] | select(.uuid == "'"$iuuid"'") | .isolation' /run/vmplace/ledger.json)" host \
	"the ledger marks $ISO isolated (CPUs $icpus)"
wait_for 30 test -s /run/vmplace/isolation.json
ok $? "vmplace-agent recorded the isolation in /run/vmplace/isolation.json"
is "$(stat -c %a /run/vmplace/isolation.json 2>&1)" 600 "the record is root's only (0600)"
is "$(jq -r '.isolated' /run/vmplace/isolation.json 2>&1)" "$icpus" "the record's isolated set is $ISO's CPUs"
jline=$(journalctl -u vmplace-agent.service --no-pager -o cat 2>/dev/null | grep 'isolation: CPUs' | tail -1)
like_line() { case "$1" in *"$2"*) pass "$3" ;; *) fail "$3" "got '$1'" ;; esac; }
like_line "$jline" "isolation: CPUs $icpus taken from the host's IRQs and workqueues" \
	"the agent says what it took"
# the IRQs the kernel kept where they were (managed or per-CPU): named in that line
kept=" $(echo "$jline" | sed -n 's/.*the kernel keeps \(.*\) where they were.*/\1/p' | grep -o 'IRQ [0-9]*' | cut -d' ' -f2 | paste -sd' ') "
echo "# IRQs the kernel keeps: $kept"
# each IRQ's count of interrupts delivered to the isolated CPU (its column
# in /proc/interrupts)
irq_counts() {
	awk -v c="$icpus" '$1 ~ /^[0-9]+:$/ { sub(":", "", $1); print $1, $(c + 2) }' /proc/interrupts
}
irq_counts >"$L/irq-count-isolated.txt"
# The movable IRQs still allowed, or still delivered, on the isolated CPU.
# An IO-APIC IRQ takes a new affinity at its next interrupt (the kernel
# keeps the move pending), so its effective_affinity_list may still name the
# CPU: that counts only if an interrupt reached the CPU since isolation was
# applied (its count there grew); a rare IRQ (the RTC) stays "pending".
irq_on_isolated() {
	bad= pending= nmov=0
	irq_counts >"$L/irq-count-now.txt"
	for d in /proc/irq/[0-9]*; do
		n=${d##*/}
		case "$kept" in *" $n "*) continue ;; esac
		nmov=$((nmov + 1))
		in_list "$(cat "$d/smp_affinity_list")" "$icpus" && bad="$bad $n:smp_affinity_list=$(cat "$d/smp_affinity_list")"
		[ -r "$d/effective_affinity_list" ] || continue
		in_list "$(cat "$d/effective_affinity_list")" "$icpus" || continue
		if [ "$(awk -v n="$n" '$1 == n' "$L/irq-count-isolated.txt")" = "$(awk -v n="$n" '$1 == n' "$L/irq-count-now.txt")" ]; then
			pending="$pending $n"
		else
			bad="$bad $n:effective_affinity_list=$(cat "$d/effective_affinity_list")(delivered)"
		fi
	done
	[ -z "$bad" ]
}
wait_for 15 irq_on_isolated
irq_on_isolated
echo "# IRQs whose move waits for their next interrupt (none delivered to CPU $icpus since):${pending:- none}"
is "${bad:-none}" none "no movable IRQ ($nmov) may run on CPU $icpus (smp_affinity_list and effective_affinity_list)"
dmask=$(cat /proc/irq/default_smp_affinity)
is "$(( (16#${dmask//,/} >> icpus) & 1 ))" 0 "new IRQs start off CPU $icpus (default_smp_affinity $dmask)"
wmask=$(cat /sys/devices/virtual/workqueue/cpumask)
is "$(( (16#${wmask//,/} >> icpus) & 1 ))" 0 "unbound workqueues run off CPU $icpus (workqueue cpumask $wmask)"
virsh destroy "$ISO" >/dev/null 2>&1
ok $? "virsh destroy $ISO"
wait_for 30 sh -c '! test -e /run/vmplace/isolation.json'
ok $? "the agent restored everything and removed the record"
irq_snapshot >"$L/irq-after.txt"
is "$(diff "$L/irq-before.txt" "$L/irq-after.txt" | head -5 | tr '\n' ' ')" "" \
	"every IRQ, the default IRQ mask and the workqueue mask are as before the start"
virsh undefine "$ISO" >/dev/null 2>&1
rm -f /etc/vmplace/profiles.d/iso.ini
finish
