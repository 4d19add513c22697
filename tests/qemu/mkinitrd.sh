#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mkinitrd.sh: build a tiny initramfs that runs one shell script in a guest.
#
#   tests/qemu/mkinitrd.sh OUT.cpio.gz SCRIPT [FILE[:DEST]]...
#
# The initramfs holds a static busybox (its applets on PATH), each FILE at DEST
# (default /bin/BASENAME) with, for dynamic ELF files, every shared library
# `ldd` lists at the same path, and an /init that mounts /proc, /sys, /dev
# (devtmpfs) and cgroup2 at /sys/fs/cgroup (all v2 controllers enabled in the
# root's subtree_control, as far as the kernel lets), then runs SCRIPT with
# busybox sh, prints "VMPLACE-GUEST-EXIT <status>" and powers off. The helpers
# the QEMU tests share (guestlib.sh, next to this script) are at
# /lib/vmplace/guestlib.sh for SCRIPT to source. Boot it with
# tests/qemu/boot.sh. Everything SCRIPT prints goes to the serial console,
# i.e. boot.sh's stdout.
#
# busybox comes from Debian's busybox-static package, fetched with
# `apt-get download` (no install, so no conflict with a dynamic busybox) into
# the cache: $VMPLACE_QEMU_CACHE, else $VMPLACE_BUILD/qemu-cache, else
# /tmp/vmplace-qemu-cache; reused when present. $VMPLACE_QEMU_BUSYBOX names a
# static busybox to use instead. Exit: 0, 1 on error, 3 when busybox cannot be
# had (no apt).
set -euo pipefail

die() {
        echo "mkinitrd.sh: $*" >&2
        exit 1
}

[ $# -ge 2 ] || die "usage: mkinitrd.sh OUT.cpio.gz SCRIPT [FILE[:DEST]]..."
out=$1 script=$2
shift 2
[ -f "$script" ] || die "$script: no such file"

cache=${VMPLACE_QEMU_CACHE:-${VMPLACE_BUILD:+$VMPLACE_BUILD/qemu-cache}}
cache=${cache:-/tmp/vmplace-qemu-cache}
mkdir -p "$cache"

is_static() {
        ! ldd "$1" >/dev/null 2>&1
}

get_busybox() {
        if [ -n "${VMPLACE_QEMU_BUSYBOX:-}" ]; then
                echo "$VMPLACE_QEMU_BUSYBOX"
                return
        fi
        local bb=$cache/busybox
        (
                flock 9
                [ -x "$bb" ] && exit 0
                if [ -x /bin/busybox ] && is_static /bin/busybox; then
                        cp /bin/busybox "$bb.tmp" && mv "$bb.tmp" "$bb"
                        exit 0
                fi
                command -v apt-get >/dev/null || {
                        echo "mkinitrd.sh: no static busybox and no apt-get to fetch one" >&2
                        exit 3
                }
                local dl
                dl=$(mktemp -d "$cache/busybox-dl.XXXXXX")
                # apt-get download as root warns that _apt cannot write the
                # directory; harmless. Retry once after refreshing stale lists.
                if ! (cd "$dl" && apt-get download busybox-static >/dev/null 2>&1); then
                        apt-get update >/dev/null 2>&1 || true
                        (cd "$dl" && apt-get download busybox-static >/dev/null) ||
                                { rm -rf "$dl"; exit 3; }
                fi
                dpkg -x "$dl"/busybox-static_*.deb "$dl/x"
                cp "$dl/x/bin/busybox" "$bb.tmp" && mv "$bb.tmp" "$bb"
                rm -rf "$dl"
        ) 9>"$cache/.busybox.lock" || return $?
        echo "$bb"
}

bb=$(get_busybox) || exit $?
is_static "$bb" || die "$bb is not a static executable"

root=$(mktemp -d "${TMPDIR:-/tmp}/vmplace-initrd.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc}
cp "$bb" "$root/bin/busybox"
mkdir -p "$root/lib/vmplace"
cp "$(dirname "$0")/guestlib.sh" "$root/lib/vmplace/guestlib.sh"

# copy SRC to DEST inside the initramfs, following symlinks
put() {
        mkdir -p "$root$(dirname "$2")"
        cp -L "$1" "$root$2"
}

for spec in "$@"; do
        src=${spec%%:*}
        dest=${spec#*:}
        [ "$dest" != "$spec" ] || dest=/bin/$(basename "$src")
        [ -e "$src" ] || die "$src: no such file"
        put "$src" "$dest"
        # ldd lines: "libx.so.1 => /lib/.../libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        if [ -x "$src" ] && ! is_static "$src"; then
                ldd "$src" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
                        while read -r lib; do
                                [ -e "$root$lib" ] || put "$lib" "$lib"
                        done
        fi
done

cp "$script" "$root/init.user"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
# applet links made here: a few ms in the guest, 400 forks on the host
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
if mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null; then
        for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
                echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
        done
fi
sh /init.user
echo "VMPLACE-GUEST-EXIT $?"
poweroff -f
EOF
chmod 755 "$root/init" "$root/init.user"

(cd "$root" && find . | "$bb" cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
