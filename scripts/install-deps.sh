#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# (libicu-dev, liblzma-dev, zlib1g-dev: the static archives libxml2.a needs for
# the statically linked hook.)
# Install what vmplace needs to build, test and demo on Debian 12 / Ubuntu
# (as root). Idempotent: already-installed packages are skipped quickly.
set -euo pipefail

BUILD_PKGS=(build-essential binutils cmake pkg-config libxml2-dev libnuma-dev libinih-dev libjson-c-dev
            libvirt-dev libicu-dev liblzma-dev zlib1g-dev)
RUNTIME_PKGS=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
              numactl virtinst libxml2-utils busybox-static cpio valgrind)
# libvirt accepts a TPM 2.0 device only with these; they are only Recommends of
# libvirt-daemon-driver-qemu, and everything here is installed without
# Recommends (tests/sh/test_rewrite_validate.sh defines such domains)
RUNTIME_PKGS+=(swtpm swtpm-tools)
# the Debian package: build it (packaging/build-deb.sh), check it, install it in CI
DEB_PKGS=(debhelper dpkg-dev fakeroot lintian)

# --- packaging: RPM and SELinux module (tests/sh/test_packaging_rpm.sh) ---
# rpm: rpmbuild, rpm2cpio; rpmlint; selinux-policy-dev: the policy devel
# Makefile (/usr/share/selinux/devel/Makefile); checkpolicy: checkmodule;
# semodule-utils: semodule_package, semodule_unpackage, semodule_link,
# semodule_expand; setools: sesearch; bzip2 for .pp.bz2. (The test fetches
# selinux-policy-default with apt-get download, without installing it.)
PACKAGING_PKGS=(rpm rpmlint selinux-policy-dev checkpolicy semodule-utils setools bzip2)
# --- end packaging ---

# --- man pages (issue "Install", branch man) ---------------------------------
# tests/sh/test_man.sh renders man/*.[58] with groff -ww and man -l (it skips
# those checks without them); python3 reads the pages and the JSON outputs.
RUNTIME_PKGS+=(groff-base man-db python3)
# --- end man pages ------------------------------------------------------------

# --- fuzzing (fuzz/run.sh): clang 14 and its libFuzzer/sanitizer runtimes ---
FUZZ_PKGS=(clang libclang-rt-14-dev)
# --- end fuzzing ---

# --- crash safety (tests/sh/test_crash_ledger.sh): strace delivers SIGKILL
# to the hook on entry to a chosen syscall of a ledger update
RUNTIME_PKGS+=(strace)
# --- end crash safety

# --- bench/run.sh (issue "Prove"): /usr/bin/time for peak memory, strace for
# system call counts (valgrind, above, gives the instruction counts) ---
BENCH_PKGS=(time strace)
# --- lab (tests/lab/lab.sh): debootstrap builds the lab guest's root, qemu-img
# its per-run overlay, mkfs.ext4 -d the image without loop mounts.
LAB_PKGS=(debootstrap qemu-utils e2fsprogs)

missing=()
# every *_PKGS array above, so that a new block needs no change here
all=()
for a in $(compgen -A variable | grep '_PKGS$'); do
        n="$a[@]"
        all+=("${!n}")
done
for p in "${all[@]}"; do
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
