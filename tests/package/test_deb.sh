#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package's life on a real host, as an admin lives it:
#   test_deb.sh VMPLACE_DEB
# lintian finds nothing unjustified; the package ships the SPEC section 1
# paths, the hook link and the defaults of /etc/vmplace; a first install with
# apt-get, non-interactive, over an admin's own vmplace.ini keeps that file;
# under a policy-rc.d that forbids service actions it leaves libvirtd alone (and the hook stays inert, which proves
# the reload is what wakes it); a dpkg -i over the installed package does not
# reload (not a first install); dpkg -i after a dpkg -r reloads libvirtd (same
# pid) and the next VM start is placed by the installed hook from /etc/vmplace, read
# back from the cgroup files and the vCPU thread; a reinstall and an upgrade
# keep an edited vmplace.ini, update an untouched example profile, keep a
# removed one removed, and leave the running VM, its cgroup values and
# libvirtd's pid alone; removal leaves the VM running and later starts work;
# purge removes /etc/vmplace and /run/vmplace.
#
# Uses the host's libvirtd; saves, clears and restores /etc/vmplace,
# /etc/libvirt/hooks and /run/vmplace (scripts/hoststate.sh) and
# /usr/sbin/policy-rc.d: run it as root on a test machine, not on a host
# whose vmplace install matters (it purges the package). Not part of ctest:
# scripts/test.sh runs it on the .deb it builds.
. "$(dirname "$0")/../sh/lib.sh"
DEB=${1:?usage: test_deb.sh VMPLACE_DEB}
DEB=$(realpath "$DEB")
W=$(mktemp -d /tmp/vmplace-deb.XXXXXX)
V="virsh -q -c qemu:///system"
QD=/etc/libvirt/hooks/qemu.d
HOSTSTATE=/var/lib/vmplace-test/deb-hoststate
POLICY=/usr/sbin/policy-rc.d
tag=vpdeb$$
LV_VMS="$tag-a $tag-b"

cleanup() {
        local d
        for d in $LV_VMS; do
                $V destroy "$d" >/dev/null 2>&1
                $V undefine "$d" >/dev/null 2>&1
        done
        dpkg -P vmplace >/dev/null 2>&1
        rm -f "$POLICY"
        [ -e "$W/policy-rc.d.saved" ] && mv "$W/policy-rc.d.saved" "$POLICY"
        "$VMPLACE_SRC/scripts/hoststate.sh" restore "$HOSTSTATE"
        rm -rf "$W"
}
trap cleanup EXIT

# libvirtd decides at start (or SIGHUP) whether the qemu driver has hooks.
lv_restart() {
        local p
        if [ -d /run/systemd/system ]; then
                systemctl restart libvirtd
        else
                for p in $(pgrep -x libvirtd); do kill "$p"; done
                for _ in $(seq 1 100); do pgrep -x libvirtd >/dev/null || break; sleep 0.1; done
        fi
        lv_up
}
diag() { sed 's/^/#   /' <<<"$1"; }
lvpid() { pgrep -x libvirtd | head -n1; }
cg() { # cg NAME FILE (relative to the domain's cpu group)
        local d
        d=$(cgdir "$1" cpu) || { echo "(no cgroup)"; return; }
        cat "$d/$2" 2>/dev/null || echo "(missing $d/$2)"
}
vcpu0_affinity() { # Cpus_allowed_list of the thread "CPU 0/TCG"
        local pid t
        pid=$(qpid "$1") || { echo "(no pid)"; return; }
        for t in /proc/"$pid"/task/*; do
                [ "$(cat "$t/comm" 2>/dev/null)" = "CPU 0/TCG" ] || continue
                awk '$1 == "Cpus_allowed_list:" { print $2 }' "$t/status"
                return
        done
        echo "(no vCPU thread)"
}
start_vm() { # start_vm NAME: define and start a 2-vCPU mini VM
        "$VMPLACE_SRC/scripts/minivm-xml.sh" "$1" 2 >"$W/$1.xml"
        $V define "$W/$1.xml" >/dev/null && $V start "$1" >/dev/null
}
# state NAME: the domain's state in the installed CLI's status --json
state() {
        /usr/bin/vmplace status --json 2>/dev/null | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin)["domains"] if x["name"] == sys.argv[1]]
print(d[0]["state"] + " " + str(d[0]["profile"]) if d else "absent")' "$1"
}

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
unset VMPLACE_CONFDIR VMPLACE_RUNDIR VMPLACE_SYSFS VMPLACE_CGROUP_ROOT VMPLACE_PROC \
        VMPLACE_LIBVIRT_RUNDIR VMPLACE_LIBVIRT_CONFDIR
if dpkg -s vmplace >/dev/null 2>&1; then
        echo "Bail out! vmplace is installed already; this test installs and purges it"
        exit 1
fi
[ -e "$POLICY" ] && mv "$POLICY" "$W/policy-rc.d.saved"
# the reload check needs qemu.d empty
"$VMPLACE_SRC/scripts/hoststate.sh" save "$HOSTSTATE" --clear

# ---- the package itself -------------------------------------------------------
lint=$(lintian -EvIL +pedantic --show-overrides "$DEB" 2>&1)
is "$(grep -E '^[EW]: ' <<<"$lint" | head -n3)" "" "lintian: no error or warning"
is "$(grep -c '^O: ' <<<"$lint")" 7 \
        "lintian: exactly the 7 justified overrides are used (static hook and enforcer: 3 each)"
files=$(dpkg-deb -c "$DEB" | awk '{ print $6 $7 $8 }')
for f in ./usr/libexec/vmplace/vmplace-hook ./usr/libexec/vmplace/qemu-dispatcher \
        ./usr/sbin/vmplace-enforce ./usr/bin/vmplace \
        ./usr/share/man/man8/vmplace.8.gz ./usr/share/man/man8/vmplace-enforce.8.gz \
        ./usr/share/man/man8/vmplace-hook.8.gz ./usr/share/man/man5/vmplace.ini.5.gz \
        ./usr/lib/tmpfiles.d/vmplace.conf ./usr/share/vmplace/conf/vmplace.ini \
        ./usr/sbin/vmplace-agent ./usr/share/man/man8/vmplace-agent.8.gz \
        ./lib/systemd/system/vmplace-agent.service ./etc/init.d/vmplace-agent; do
        grep -qxF "$f" <<<"$files"; ok $? "ships $f"
done
# vmplace-agent: debhelper's scriptlets for the unit and the init script;
# both start it only under a running init (deb-systemd-invoke needs
# /run/systemd/system, invoke-rc.d a runlevel that has it) and honour
# policy-rc.d, so a chroot or a container without an init gets nothing started
postinst=$(dpkg-deb -I "$DEB" postinst)
prerm=$(dpkg-deb -I "$DEB" prerm 2>/dev/null)
like "$postinst" "deb-systemd-helper unmask 'vmplace-agent.service'" "postinst enables vmplace-agent.service"
like "$postinst" "deb-systemd-invoke \$_dh_action 'vmplace-agent.service'" "and starts it (restarts it on upgrade) under systemd"
like "$postinst" "invoke-rc.d --skip-systemd-native vmplace-agent \$_dh_action" "and through its init script under sysvinit"
like "$prerm" "deb-systemd-invoke stop 'vmplace-agent.service'" "prerm stops it under systemd"
like "$prerm" "invoke-rc.d --skip-systemd-native vmplace-agent stop" "and under sysvinit"
grep -E 'deb-systemd-invoke|invoke-rc\.d|systemctl' <<<"$postinst$prerm" | grep -v vmplace-agent |
        grep -Eq 'restart|stop|start'
ok "$((! $?))" "no maintainer script restarts or stops anything but the agent"
like "$files" "./etc/libvirt/hooks/qemu.d/50-vmplace->/usr/libexec/vmplace/vmplace-hook" \
        "the hook is linked as qemu.d/50-vmplace (not /etc/libvirt/hooks/qemu)"
grep -q '^\./etc/libvirt/hooks/qemu$' <<<"$files"; ok $((!$?)) "does not take over hooks/qemu"
like "$prerm" "/usr/libexec/vmplace/qemu-dispatcher" "prerm runs qemu-dispatcher (--remove: its hooks/qemu link, libvirt < 6.5 only)"
# /etc/vmplace is the postinst's (an admin's file written before the first
# install must not make dpkg stop at a conffile prompt): no dpkg conffile there
is "$(dpkg-deb -I "$DEB" conffiles 2>/dev/null | grep -c '^/etc/vmplace/')" 0 \
        "no dpkg conffile in /etc/vmplace"
CONF_FILES="vmplace.ini profiles.d/database.ini profiles.d/latency-critical.ini
        profiles.d/general-purpose.ini profiles.d/batch.ini profiles.d/noisy-neighbour.ini"
for p in $CONF_FILES; do
        grep -qxF "./usr/share/vmplace/conf/$p" <<<"$files"; ok $? "ships the default $p"
done

# ---- first install, as apt-get on a fleet runs it: non-interactive, no
# terminal, over a vmplace.ini the admin wrote beforehand; policy-rc.d
# forbids service actions ------------------------------------------------------
lv_restart
pid0=$(lvpid)
printf '#!/bin/sh\nexit 101\n' >"$POLICY"
chmod 755 "$POLICY"
mkdir -p /etc/vmplace
printf '[host]\non_error = refuse\n; written by the admin before the package (%s)\n' "$tag" \
        >/etc/vmplace/vmplace.ini
cp /etc/vmplace/vmplace.ini "$W/admin.ini"
out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" \
        </dev/null 2>&1)
rc=$?; ok $rc "apt-get install over an admin's vmplace.ini, no terminal"; [ $rc = 0 ] || diag "$out"
ok "$([ ! -e /etc/libvirt/hooks/qemu ] && [ ! -L /etc/libvirt/hooks/qemu ]; echo $?)" \
        "libvirt $(virsh -q -c qemu:///system version --daemon 2>/dev/null | sed -n 's/^Running against daemon: //p') runs qemu.d itself: no hooks/qemu linked"
cmp -s /etc/vmplace/vmplace.ini "$W/admin.ini"; ok $? "the admin's vmplace.ini is kept as it was"
cmp -s /etc/vmplace/vmplace.ini.dpkg-dist /usr/share/vmplace/conf/vmplace.ini
ok $? "the packaged default is beside it as vmplace.ini.dpkg-dist"
like "$out" "keeping your /etc/vmplace/vmplace.ini" "postinst says it kept the admin's file"
for p in $CONF_FILES; do
        [ "$p" = vmplace.ini ] && continue
        cmp -s "/etc/vmplace/$p" "/usr/share/vmplace/conf/$p"; ok $? "/etc/vmplace/$p installed"
done
rm /etc/vmplace/vmplace.ini.dpkg-dist # read by the admin
like "$out" "policy-rc.d forbids reloading libvirtd" "postinst says why it did not reload"
is "$(readlink "$QD/50-vmplace")" /usr/libexec/vmplace/vmplace-hook "hook link installed"
is "$(stat -c %a /run/vmplace 2>&1)" 700 "/run/vmplace exists, mode 0700"
is "$(lvpid)" "$pid0" "libvirtd not restarted"
cat >/etc/vmplace/profiles.d/zz-$tag.ini <<INI
[match]
names = $tag-*
[cputune]
shares = 1536
vcpu_period = 100000
vcpu_quota = 40000
vcpupin.0 = 1
INI
/usr/bin/vmplace validate >/dev/null 2>&1; is $? 0 "installed vmplace validates /etc/vmplace"
start_vm "$tag-a"; ok $? "a VM starts"
is "$(cg "$tag-a" cpu.shares)" 1024 "not reloaded: the hook did not run (libvirt's default shares)"
is "$(state "$tag-a")" "unplaced zz-$tag" "status: the running VM is unplaced"
$V destroy "$tag-a" >/dev/null

# ---- reinstall over the installed package (allowed): postinst reloads only on
# a first install, so the hook stays inert -------------------------------------
rm -f "$POLICY"
out=$(dpkg -i "$DEB" 2>&1)
rc=$?; ok $rc "dpkg -i over the installed package (allowed)"; [ $rc = 0 ] || diag "$out"
$V start "$tag-a" >/dev/null; ok $? "the VM starts"
is "$(cg "$tag-a" cpu.shares)" 1024 "a reinstall does not reload libvirtd (the hook did not run)"
$V destroy "$tag-a" >/dev/null

# ---- remove, then install (allowed): postinst reloads as on a first install,
# the hook places the next start -------------------------------------------------
echo "; edited by the admin ($tag)" >>/etc/vmplace/vmplace.ini
dpkg -r vmplace >/dev/null 2>&1; ok $? "dpkg -r (keeps the configuration)"
out=$(dpkg -i "$DEB" 2>&1)
rc=$?; ok $rc "dpkg -i after the removal"; [ $rc = 0 ] || diag "$out"
is "$(grep -c "policy-rc.d forbids" <<<"$out")" 0 "no policy message"
is "$(lvpid)" "$pid0" "libvirtd reloaded, not restarted (same pid)"
is "$(tail -n1 /etc/vmplace/vmplace.ini)" "; edited by the admin ($tag)" "reinstall keeps the edited vmplace.ini"
is "$(ls /etc/vmplace /etc/vmplace/profiles.d | grep -c dpkg-)" 0 \
        "the same default again: no new .dpkg-dist"
$V start "$tag-a" >/dev/null; ok $? "the VM starts with the installed hook"
shares=$(cg "$tag-a" cpu.shares)
quota=$(cg "$tag-a" vcpu0/cpu.cfs_quota_us)
aff=$(vcpu0_affinity "$tag-a")
is "$shares" 1536 "cpu.shares from /etc/vmplace/profiles.d"
is "$quota" 40000 "vcpu0/cpu.cfs_quota_us from the profile"
is "$aff" 1 "vCPU 0 thread pinned to CPU 1"
/usr/sbin/vmplace-agent --once >/dev/null; is $? 0 "installed vmplace-agent --once tells libvirt"
is "$(state "$tag-a")" "enforced zz-$tag" "installed vmplace status: enforced"
[ -s /run/vmplace/ledger.json ]; ok $? "the ledger is in /run/vmplace"
/usr/bin/vmplace status --check >/dev/null 2>&1; is $? 0 "status --check: no drift"
qemu_a=$(qpid "$tag-a")

# ---- upgrade to a newer version of the same package ---------------------------
mkdir -p "$W/up"
dpkg-deb -R "$DEB" "$W/up/root"
sed -i 's/^Version: .*/&+test1/' "$W/up/root/DEBIAN/control"
# the new version changes one example profile's default; the admin removed
# another one, which must stay removed
echo "; changed in the new version ($tag)" >>"$W/up/root/usr/share/vmplace/conf/profiles.d/batch.ini"
rm /etc/vmplace/profiles.d/noisy-neighbour.ini
newver=$(awk '$1 == "Version:" { print $2 }' "$W/up/root/DEBIAN/control")
dpkg-deb -b "$W/up/root" "$W/up/vmplace-up.deb" >/dev/null
out=$(dpkg -i "$W/up/vmplace-up.deb" 2>&1)
rc=$?; ok $rc "upgrade to $newver"; [ $rc = 0 ] || diag "$out"
is "$(dpkg-query -W -f '${Version}' vmplace)" "$newver" "the new version is installed"
is "$(tail -n1 /etc/vmplace/vmplace.ini)" "; edited by the admin ($tag)" "upgrade keeps the edited vmplace.ini"
is "$(ls /etc/vmplace /etc/vmplace/profiles.d | grep -c dpkg-)" 0 "no .dpkg-new/.dpkg-dist left"
is "$(tail -n1 /etc/vmplace/profiles.d/batch.ini)" "; changed in the new version ($tag)" \
        "an example profile the admin left alone follows the new default"
[ ! -e /etc/vmplace/profiles.d/noisy-neighbour.ini ]
ok $? "an example profile the admin removed stays removed"
is "$(lvpid)" "$pid0" "upgrade does not restart libvirtd"
is "$(qpid "$tag-a")" "$qemu_a" "the VM's QEMU kept running"
is "$(cg "$tag-a" cpu.shares) $(cg "$tag-a" vcpu0/cpu.cfs_quota_us) $(vcpu0_affinity "$tag-a")" \
        "1536 40000 1" "its cgroup values and pin untouched"
is "$(state "$tag-a")" "enforced zz-$tag" "status after upgrade: still enforced"

# ---- remove: running VMs untouched, later starts work ----------------------------
dpkg -r vmplace >/dev/null 2>&1; ok $? "dpkg -r"
[ ! -e "$QD/50-vmplace" ] && [ ! -L "$QD/50-vmplace" ]; ok $? "hook link removed"
[ ! -e /usr/libexec/vmplace/vmplace-hook ] && [ ! -e /usr/bin/vmplace ]; ok $? "programs removed"
is "$(dpkg-query -W -f '${db:Status-Abbrev}' vmplace)" "rc " "config kept (rc)"
[ -f /etc/vmplace/vmplace.ini ]; ok $? "/etc/vmplace/vmplace.ini kept on remove"
is "$($V domstate "$tag-a")" running "the VM still runs"
is "$(qpid "$tag-a")" "$qemu_a" "same QEMU process"
is "$(cg "$tag-a" cpu.shares) $(cg "$tag-a" vcpu0/cpu.cfs_quota_us) $(vcpu0_affinity "$tag-a")" \
        "1536 40000 1" "its cgroup values and pin untouched by removal"
start_vm "$tag-b"; ok $? "a VM starts after removal"
is "$(cg "$tag-b" cpu.shares)" 1024 "and vmplace no longer places it"
pgrep -x vmplace-agent >/dev/null; ok "$((! $?))" "no vmplace-agent runs after removal"

# ---- purge ---------------------------------------------------------------------
dpkg -P vmplace >/dev/null 2>&1; ok $? "dpkg -P"
[ ! -e /etc/vmplace ]; ok $? "/etc/vmplace removed (with the admin's profile)"
[ ! -e /run/vmplace ]; ok $? "/run/vmplace removed"
[ ! -e /var/lib/vmplace ]; ok $? "/var/lib/vmplace (the defaults' record) removed"
dpkg -s vmplace >/dev/null 2>&1; ok $((!$?)) "no longer known to dpkg"
is "$($V domstate "$tag-a") $($V domstate "$tag-b")" "running running" "both VMs still run"

done_testing
