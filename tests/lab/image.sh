#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# image.sh: build, or find in the cache, the lab's base disk image: a Debian 12
# root made with debootstrap (systemd as PID 1, libvirtd + QEMU, the libraries
# the vmplace package depends on, a Debian cloud kernel) as a raw ext4 image,
# plus the kernel and initrd taken from its /boot. Everything but vmplace
# itself: the package is installed into each run's copy-on-write overlay.
#
#   tests/lab/image.sh CACHEDIR     prints the directory holding
#                                   base.raw, vmlinuz, initrd.img
#   tests/lab/image.sh --cached CACHEDIR   the same, but exit 1 instead of
#                                   building when the image is not cached
#
# The image is keyed by a hash of the package list, IMAGE_VERSION and the
# files it copies into the image, so changing any of them builds a new one;
# an unchanged key reuses the cache (no network). Bump IMAGE_VERSION when a
# build step below changes. Needs root, debootstrap, e2fsprogs (mkfs.ext4 -d:
# no loop mounts) and Debian's mirror. Exit: 0, or 3 when the image cannot be
# had.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cached_only=0
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
cache=${1:?usage: image.sh [--cached] CACHEDIR}
mirror=${VMPLACE_LAB_MIRROR:-http://deb.debian.org/debian}

IMAGE_VERSION=1
# What the guest needs: systemd as init, libvirtd with the QEMU driver, QEMU
# itself, the kernel, logind (libvirt's polkitd needs one), udev for the
# virtio disks, jq for the checks, and the shared libraries vmplace links (so
# the .deb installs offline with dpkg -i).
PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,udev,kmod,procps,iproute2,util-linux,jq
PACKAGES+=,libvirt-daemon-system,libvirt-daemon-driver-qemu,libvirt-clients
PACKAGES+=,qemu-system-x86,linux-image-cloud-amd64,initramfs-tools
PACKAGES+=,libxml2,libjson-c5,libnuma1,libinih1,libvirt0,numactl

die() {
	echo "image.sh: $*" >&2
	exit 3
}

key=$( (
	echo "$PACKAGES $mirror $IMAGE_VERSION"
	cat "$here/guest/lab-runner.service" "$here/guest/lab-runner"
) | sha256sum | cut -c1-16)
dir=$cache/base-$key
cached() { [ -s "$dir/base.raw" ] && [ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.img" ]; }
if [ "$cached_only" = 1 ]; then
	cached && echo "$dir"
	exit
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if cached; then
	echo "$dir"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "building the image needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp" "$cache/debs"
root=$dir.tmp/root
start=$(date +%s)
echo "image.sh: debootstrap bookworm into $root (several minutes)" >&2
# --cache-dir keeps the downloaded packages for the next key
debootstrap --variant=minbase --cache-dir="$cache/debs" --include="$PACKAGES" \
	bookworm "$root" "$mirror" >"$dir.tmp/debootstrap.log" 2>&1 ||
	{ tail -20 "$dir.tmp/debootstrap.log" >&2; die "debootstrap failed (log: $dir.tmp/debootstrap.log)"; }

echo vmplace-lab >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 vmplace-lab\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 defaults 0 1\n' >"$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null
install -m 0644 "$here/guest/lab-runner.service" "$root/etc/systemd/system/lab-runner.service"
install -m 0755 "$here/guest/lab-runner" "$root/usr/local/sbin/lab-runner"
chroot "$root" systemctl enable lab-runner.service >/dev/null 2>&1
# The lab VM has no network: units waiting for one only slow the boot.
for u in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
	man-db.timer e2scrub_all.timer fstrim.timer systemd-timesyncd.service; do
	chroot "$root" systemctl mask "$u" >/dev/null 2>&1 || true
done
cp "$root"/boot/vmlinuz-* "$dir.tmp/vmlinuz"
cp "$root"/boot/initrd.img-* "$dir.tmp/initrd.img"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/boot/*

mkfs.ext4 -q -F -L lab-root -d "$root" "$dir.tmp/base.raw" 4G >/dev/null ||
	die "mkfs.ext4 -d failed"
rm -rf "$root"
mv "$dir.tmp" "$dir"
echo "image.sh: base image built in $(($(date +%s) - start)) s: $dir" >&2
echo "$dir"
