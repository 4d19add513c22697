#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Make sure a system libvirtd (QEMU driver) answers on qemu:///system.
# On a systemd host it is started through systemd; elsewhere (containers,
# CI sandboxes where PID 1 is not systemd) virtlogd and libvirtd are started
# as daemons with the settings shared/notes/environment.md describes. Idempotent.
set -euo pipefail
URI=qemu:///system
if virsh -c $URI version >/dev/null 2>&1; then
        exit 0
fi
if [ -d /run/systemd/system ]; then
        systemctl start libvirtd.service 2>/dev/null || systemctl start virtqemud.service
else
        getent group kvm >/dev/null || groupadd -r kvm
        getent group libvirt >/dev/null || groupadd -r libvirt
        getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
        id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -s /usr/sbin/nologin libvirt-qemu
        mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
        conf=/etc/libvirt/qemu.conf
        # No KVM, no SELinux/AppArmor labelling in a sandbox: run QEMU as root, unconfined.
        if ! grep -q '^# vmplace test settings' $conf 2>/dev/null; then
                cat >>$conf <<'CONF'
# vmplace test settings (scripts/libvirt-up.sh)
user = "root"
group = "root"
security_driver = "none"
CONF
        fi
        # The daemons outlive this script: they must not inherit its open
        # descriptors (a caller's `flock FILE cmd` lock would be held forever).
        daemon() { (
                for fd in /proc/self/fd/*; do
                        fd=${fd##*/}
                        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
                done
                exec "$@"
        ); }
        pgrep -x virtlogd >/dev/null || daemon virtlogd -d
        pgrep -x libvirtd >/dev/null || daemon libvirtd -d
fi
for _ in $(seq 1 100); do
        virsh -c $URI version >/dev/null 2>&1 && exit 0
        sleep 0.1
done
echo "libvirt-up: libvirtd did not answer on $URI" >&2
exit 1
