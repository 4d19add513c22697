#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate the machine-made part of the domain XML corpus (tests/data/xml/corpus/vi-*.xml
# from `virt-install --print-xml`, lv-*.xml from libvirt's own formatter via `virsh define` +
# `virsh dumpxml --inactive`). The hand-made files (hand-*.xml) are not touched. The corpus
# is committed: tests never need virt-install or a libvirtd.
#
# Needs: root, virtinst, libvirt-daemon + libvirt-daemon-driver-qemu, qemu-system-x86.
# Starts virtlogd/libvirtd the way shared/notes/environment.md describes when none runs.
# UUIDs and MAC addresses are random, so every run changes those lines.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus
uri=qemu:///system
mkdir -p "$out"

start_libvirtd() {
        getent group kvm >/dev/null || groupadd -r kvm
        getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
        getent group libvirt >/dev/null || groupadd -r libvirt
        id libvirt-qemu >/dev/null 2>&1 ||
                useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
        if [ ! -f /etc/libvirt/qemu.conf ]; then
                printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n' >/etc/libvirt/qemu.conf
        fi
        mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
        pgrep -x virtlogd >/dev/null || virtlogd -d
        pgrep -x libvirtd >/dev/null || libvirtd -d
        for _ in $(seq 1 100); do
                virsh -c $uri version >/dev/null 2>&1 && return 0
                sleep 0.2
        done
        echo "libvirtd did not answer" >&2
        exit 1
}

virsh -c $uri version >/dev/null 2>&1 || start_libvirtd

# --dry-run: never create disk images; --import: one XML (no install phase).
vi() {
        local name=$1
        shift
        if ! virt-install --connect $uri --print-xml --dry-run --import --noautoconsole \
                --name "$name" "$@" >"$out/vi-$name.xml.tmp" 2>"$out/vi-$name.err"; then
                echo "FAILED vi-$name: $(cat "$out/vi-$name.err")" >&2
                rm -f "$out/vi-$name.xml.tmp" "$out/vi-$name.err"
                return 1
        fi
        mv "$out/vi-$name.xml.tmp" "$out/vi-$name.xml"
        rm -f "$out/vi-$name.err"
        echo "vi-$name.xml"
}

# Libvirt-formatted twin of a virt-install file: what `virsh dumpxml` shows after a define.
lv() {
        local src=$1 name=$2
        local tmp
        tmp=$(mktemp)
        sed -e "s|<name>[^<]*</name>|<name>vpcorpus-$name</name>|" -e '/<uuid>/d' "$out/vi-$src.xml" >"$tmp"
        if virsh -c $uri define "$tmp" >/dev/null 2>&1; then
                virsh -c $uri dumpxml --inactive "vpcorpus-$name" |
                        sed -e "s|<name>vpcorpus-$name</name>|<name>$name</name>|" >"$out/lv-$name.xml"
                virsh -c $uri undefine --nvram "vpcorpus-$name" >/dev/null 2>&1 ||
                        virsh -c $uri undefine "vpcorpus-$name" >/dev/null
                echo "lv-$name.xml"
        else
                echo "FAILED lv-$name: $(virsh -c $uri define "$tmp" 2>&1 | grep -i error | tail -1)" >&2
        fi
        rm -f "$tmp"
}

rm -f "$out"/vi-*.xml "$out"/lv-*.xml

# Plain guests of common distributions.
vi debian11-q35 --memory 2048 --vcpus 2 --osinfo debian11 --disk size=10 --network network=default
vi ubuntu2204 --memory 4096 --vcpus 4 --osinfo ubuntu22.04 --disk size=20,bus=virtio \
        --network network=default,model=virtio --graphics spice --video qxl --channel spicevmc
vi ubuntu2004-pc --machine pc --memory 1024 --vcpus 1 --osinfo ubuntu20.04 --disk size=8 \
        --network network=default --graphics vnc,listen=0.0.0.0
vi fedora37 --memory 3072 --vcpus 2 --osinfo fedora37 --disk size=15 --network none --graphics none \
        --console pty,target_type=virtio
vi centos-stream9 --memory 2048 --vcpus 2 --osinfo centos-stream9 --disk size=10,cache=none,io=native \
        --network bridge=br0,model=virtio
vi alpine317 --memory 512 --vcpus 1 --osinfo alpinelinux3.17 --disk size=2 --network none --graphics none
vi opensuse154 --memory 2048 --vcpus 2 --osinfo opensuse15.4 --disk size=20 --network network=default \
        --sound ich9 --rng /dev/urandom
vi freebsd13 --machine pc --memory 1024 --vcpus 2 --osinfo freebsd13.1 --disk size=10,bus=sata \
        --network network=default,model=e1000
vi win10 --memory 4096 --vcpus 4,sockets=1,cores=2,threads=2 --osinfo win10 --disk size=60,bus=sata \
        --network network=default,model=e1000e --graphics spice --sound ich9 --tpm default \
        --features hyperv.relaxed.state=on,hyperv.vapic.state=on,hyperv.spinlocks.state=on,hyperv.spinlocks.retries=8191
vi win2k19-uefi --memory 8192 --vcpus 8,sockets=2,cores=4,threads=1 --osinfo win2k19 --disk size=80 \
        --network network=default --boot uefi --tpm emulator,model=tpm-crb,version=2.0 --features smm.state=on
vi rhel87-secureboot --memory 4096 --vcpus 4 --osinfo rhel8.7 --disk size=40 --network network=default \
        --boot uefi,firmware.feature0.name=secure-boot,firmware.feature0.enabled=yes,firmware.feature1.name=enrolled-keys,firmware.feature1.enabled=yes \
        --features smm.state=on
vi rhel90-bootorder --memory 2048 --vcpus 2 --osinfo rhel9.0 --disk size=10 --disk device=cdrom,bus=sata \
        --network network=default --boot hd,cdrom,menu=on
# CPU models and topology.
vi cpu-host-passthrough --memory 2048 --vcpus 4 --cpu host-passthrough --osinfo debian11 --disk none \
        --network none
vi cpu-host-model --memory 2048 --vcpus 8,sockets=2,cores=2,threads=2 --cpu host-model --osinfo debian11 \
        --disk none --network none
vi cpu-custom-features --memory 2048 --vcpus 2 --cpu Skylake-Client,+vmx,-hle,disable=mpx --osinfo debian11 \
        --disk none --network none
vi vcpus-maxvcpus --memory 4096 --vcpus 4,maxvcpus=16,sockets=2,cores=4,threads=2 --osinfo fedora37 \
        --disk none --network none
vi vcpus-cpuset --memory 2048 --vcpus 4,cpuset=0-1 --osinfo debian11 --disk none --network none
vi vcpus-placement-auto --memory 2048 --vcpus 4,vcpu.placement=auto --numatune memory.placement=auto \
        --osinfo debian11 --disk none --network none
vi vcpus-big --memory 262144 --vcpus 64,sockets=2,cores=16,threads=2 --cpu host-passthrough \
        --osinfo rhel9.0 --disk size=100 --network network=default
# Existing placement items: cputune, numatune, guest NUMA cells.
vi cputune-pins --memory 4096 --vcpus 4 --osinfo rhel9.0 --disk none --network none \
        --cputune vcpupin0.vcpu=0,vcpupin0.cpuset=1,vcpupin1.vcpu=1,vcpupin1.cpuset=2,vcpupin2.vcpu=2,vcpupin2.cpuset=3,vcpupin3.vcpu=3,vcpupin3.cpuset=4,emulatorpin.cpuset=0
vi cputune-quota --memory 2048 --vcpus 2 --osinfo debian11 --disk none --network none \
        --cputune shares=2048,period=100000,quota=50000,global_period=100000,global_quota=200000,emulator_period=100000,emulator_quota=20000
vi cputune-sched --memory 2048 --vcpus 4 --iothreads 2 --osinfo debian11 --disk none --network none \
        --cputune vcpupin0.vcpu=0,vcpupin0.cpuset=0-1,vcpusched0.vcpus=0-1,vcpusched0.scheduler=fifo,vcpusched0.priority=10,emulatorsched.scheduler=rr,emulatorsched.priority=5,iothreadpin0.iothread=1,iothreadpin0.cpuset=2,iothreadsched0.iothreads=1,iothreadsched0.scheduler=batch
vi cputune-cachetune --memory 2048 --vcpus 4 --osinfo debian11 --disk none --network none \
        --cputune shares=512,cachetune0.vcpus=0-1,cachetune0.cache0.id=0,cachetune0.cache0.level=3,cachetune0.cache0.type=both,cachetune0.cache0.size=3,cachetune0.cache0.unit=MiB,memorytune0.vcpus=2-3,memorytune0.node0.id=0,memorytune0.node0.bandwidth=60
vi numatune-strict --memory 4096 --vcpus 4 --osinfo rhel9.0 --disk none --network none \
        --numatune 0,mode=strict
vi numatune-interleave --memory 4096 --vcpus 4 --osinfo rhel9.0 --disk none --network none \
        --numatune 0-1,mode=interleave
vi numa-2cells --memory 4096 --vcpus 4 --osinfo rhel9.0 --disk none --network none \
        --cpu host-passthrough,cell0.cpus=0-1,cell0.memory=2097152,cell1.cpus=2-3,cell1.memory=2097152
vi numa-cells-ids-units --memory 4096 --vcpus 4 --osinfo debian11 --disk none --network none \
        --cpu host-passthrough,numa.cell0.id=0,numa.cell0.cpus=0-1,numa.cell0.memory=2,numa.cell0.unit=GiB,numa.cell1.id=1,numa.cell1.cpus=2-3,numa.cell1.memory=2048,numa.cell1.unit=MiB
vi numa-memaccess-distances --memory 4096 --vcpus 4 --osinfo debian11 --disk none --network none \
        --memorybacking access.mode=shared,source.type=memfd \
        --cpu host-passthrough,numa.cell0.id=0,numa.cell0.cpus=0-1,numa.cell0.memory=2097152,numa.cell0.memAccess=shared,numa.cell0.discard=yes,numa.cell0.distances.sibling0.id=0,numa.cell0.distances.sibling0.value=10,numa.cell0.distances.sibling1.id=1,numa.cell0.distances.sibling1.value=21,numa.cell1.id=1,numa.cell1.cpus=2-3,numa.cell1.memory=2097152,numa.cell1.memAccess=shared,numa.cell1.distances.sibling0.id=0,numa.cell1.distances.sibling0.value=21,numa.cell1.distances.sibling1.id=1,numa.cell1.distances.sibling1.value=10
vi numa-memnodes --memory 8192 --vcpus 8 --osinfo rhel9.0 --disk none --network none \
        --cpu host-passthrough,cell0.cpus=0-3,cell0.memory=4194304,cell1.cpus=4-7,cell1.memory=4194304 \
        --numatune memory.mode=strict,memory.nodeset=0-1,memnode0.cellid=0,memnode0.mode=strict,memnode0.nodeset=0,memnode1.cellid=1,memnode1.mode=preferred,memnode1.nodeset=1
vi numa-4cells-hugepages --memory 16384 --vcpus 8,sockets=4,cores=2,threads=1 --osinfo rhel9.0 --disk none \
        --network none --memorybacking hugepages.page0.size=2,hugepages.page0.unit=M \
        --cpu host-passthrough,cell0.cpus=0-1,cell0.memory=4194304,cell1.cpus=2-3,cell1.memory=4194304,cell2.cpus=4-5,cell2.memory=4194304,cell3.cpus=6-7,cell3.memory=4194304
vi all-placement --memory 4096 --vcpus 4,sockets=1,cores=4,threads=2,maxvcpus=8 --osinfo rhel9.0 \
        --disk size=20 --network none --graphics spice --iothreads iothreads=2 --memorybacking hugepages=on \
        --cputune vcpupin0.vcpu=0,vcpupin0.cpuset=1,vcpupin1.vcpu=1,vcpupin1.cpuset=2,emulatorpin.cpuset=0,shares=2048,period=100000,quota=50000 \
        --numatune 0,mode=strict \
        --cpu host-passthrough,cell0.cpus=0-3,cell0.memory=2097152,cell1.cpus=4-7,cell1.memory=2097152 \
        --metadata title=db,description=hello --boot uefi --tpm default --rng /dev/urandom --sound default \
        --channel spicevmc
# IOThreads.
vi iothreads-count --memory 2048 --vcpus 2 --iothreads 4 --osinfo debian11 --disk size=10 --network none
vi iothreads-ids --memory 2048 --vcpus 2 --osinfo debian11 --network none \
        --iothreads iothreads=3,iothreadids.iothread0.id=2,iothreadids.iothread1.id=5,iothreadids.iothread2.id=7 \
        --disk size=10,driver.iothread=2 --cputune iothreadpin0.iothread=5,iothreadpin0.cpuset=1,iothread_period=100000,iothread_quota=-1
# Memory shapes and other tunables.
vi memory-hotplug --memory memory=2048,maxMemory=8192,maxMemory.slots=16 --vcpus 2 --osinfo debian11 --disk none \
        --network none --cpu host-passthrough,cell0.cpus=0-1,cell0.memory=2097152
vi memtune-blkiotune --memory 2048 --vcpus 2 --osinfo debian11 --disk size=10 --network none \
        --memtune hard_limit=3000000,soft_limit=2500000 --blkiotune weight=500 --resource partition=/machine/tenant1
vi memorybacking-1g --memory 8192 --vcpus 4 --osinfo rhel9.0 --disk none --network none \
        --memorybacking hugepages.page0.size=1,hugepages.page0.unit=G,locked=on,nosharepages=on
vi virtiofs --memory 4096 --vcpus 2 --osinfo fedora37 --disk size=10 --network none \
        --memorybacking access.mode=shared,source.type=memfd --filesystem /srv/share,share,driver.type=virtiofs
# Devices galore.
vi devices-many --memory 2048 --vcpus 2 --osinfo debian11 --disk size=10 --disk size=5,bus=scsi \
        --controller scsi,model=virtio-scsi --network network=default --network bridge=br0,model=e1000e \
        --serial pty --channel unix,target_type=virtio,name=org.qemu.guest_agent.0 --watchdog i6300esb,action=reset \
        --panic default --rng builtin --memballoon virtio --input tablet,bus=usb --redirdev usb,type=spicevmc \
        --graphics spice --video virtio --sound ich9
vi no-balloon --memory 1024 --vcpus 1 --osinfo debian11 --disk none --network none --memballoon none \
        --graphics none --console pty,target_type=serial
vi clock-events-pm --memory 1024 --vcpus 1 --osinfo win10 --disk size=20 --network none \
        --clock offset=localtime,hpet_present=no --events on_poweroff=destroy,on_reboot=restart,on_crash=coredump-restart \
        --pm suspend_to_mem.enabled=on,suspend_to_disk.enabled=off
vi sysinfo --memory 1024 --vcpus 1 --osinfo debian11 --disk none --network none \
        --sysinfo bios.vendor=Acme,system.manufacturer=Acme,system.product=Rocket,oemStrings.entry0=vmplace
vi qemu-commandline --memory 1024 --vcpus 2 --osinfo debian11 --disk none --network none \
        --qemu-commandline="-device pvpanic" --qemu-commandline="env=FOO=bar"
vi genid-title --memory 1024 --vcpus 2 --osinfo debian11 --disk none --network none \
        --metadata title="Web front",description="Serves & logs <html>",genid_enable=yes
vi direct-kernel --memory 1024 --vcpus 2 --osinfo debian11 --disk none --network none \
        --boot kernel=/var/lib/libvirt/boot/vmlinuz,initrd=/var/lib/libvirt/boot/initrd.img,kernel_args="console=ttyS0 root=/dev/vda1"
vi features-kvm --memory 2048 --vcpus 4 --osinfo rhel9.0 --disk none --network none \
        --features kvm.hidden.state=on,pmu.state=off,vmport.state=off,ioapic.driver=qemu

# libvirt's own formatting (single quotes, placement='static', unit='KiB', addresses, ids).
for pair in debian11-q35:lv-debian11 ubuntu2004-pc:lv-ubuntu2004-pc cputune-pins:lv-cputune-pins \
        cputune-sched:lv-cputune-sched numa-memnodes:lv-numa-memnodes numa-memaccess-distances:lv-numa-distances \
        iothreads-ids:lv-iothreads-ids all-placement:lv-all-placement vcpus-placement-auto:lv-placement-auto \
        memory-hotplug:lv-memory-hotplug devices-many:lv-devices-many qemu-commandline:lv-qemu-commandline; do
        lv "${pair%%:*}" "${pair#*:lv-}"
done

echo "corpus: $(ls "$out"/*.xml | wc -l) files"
