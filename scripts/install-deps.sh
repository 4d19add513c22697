#!/usr/bin/env bash
# (libicu-dev, liblzma-dev, zlib1g-dev: the static archives libxml2.a needs for
# the statically linked hook.)
# Install what vmplace needs to build, test and demo on Debian 12 / Ubuntu
# (as root). Idempotent: already-installed packages are skipped quickly.
set -euo pipefail

BUILD_PKGS=(build-essential cmake pkg-config libxml2-dev libnuma-dev libinih-dev libjson-c-dev
            libvirt-dev libicu-dev liblzma-dev zlib1g-dev)
RUNTIME_PKGS=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
              numactl virtinst libxml2-utils busybox-static cpio valgrind)

missing=()
for p in "${BUILD_PKGS[@]}" "${RUNTIME_PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                missing+=("$p")
done
if ((${#missing[@]})); then
        echo "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # libvirt's postinst tries to start services; harmless where PID 1 is not systemd
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- lab (tests/lab/lab.sh): debootstrap builds the lab guest's root, qemu-img
# its per-run overlay, mkfs.ext4 -d the image without loop mounts; debhelper
# and fakeroot build the package the lab installs when CI has not built one.
LAB_PKGS=(debootstrap qemu-utils e2fsprogs debhelper fakeroot)
missing=()
for p in "${LAB_PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
                missing+=("$p")
done
if ((${#missing[@]})); then
        echo "installing (lab): ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# --- end lab
