#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite: installs what it needs, builds, runs every test
# (unit, golden, hook, CLI, real-kernel checks), then the unit and hook tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer. Run as root on
# Debian 12. Exit status 0 only when everything passed.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/scripts/install-deps.sh"

# The suite depends on none of the host's /etc/vmplace, /etc/libvirt/hooks and
# /run/vmplace (a demo run before it leaves its hook and profile there) and
# leaves them as it found them: they are saved and cleared here, and put back
# on exit. A run killed before its restore leaves the save, which the next
# run keeps (it is the state found first) and restores at its end.
hoststate=/var/lib/vmplace-test/hoststate
"$src/scripts/hoststate.sh" save "$hoststate" --clear
trap '"$src/scripts/hoststate.sh" restore "$hoststate"' EXIT

echo "== build (RelWithDebInfo, with valgrind checks) =="
BUILD_DIR=$src/build "$src/scripts/build.sh"
echo "== build (Release: -O3, as a packager may build it; only the build) =="
# GCC 12 at -O3 warns where -O2 does not, and -Werror makes that a failed
# build (a maybe-uninitialized and a format-truncation did)
BUILD_DIR=$src/build-release "$src/scripts/build.sh" -DCMAKE_BUILD_TYPE=Release
# The distributions build with their own flags and no CMake build type
# (-DCMAKE_C_FLAGS, not CFLAGS, so that a kept build dir takes new flags; a
# packager's build has VMPLACE_WERROR off; here it is on, so that a warning
# their flags bring out fails CI instead of hiding in a package build log).
# Fedora's, openEuler's and Debian's (packaging/distflags.sh).
. "$src/packaging/distflags.sh"
echo "== build (Fedora's flags: only the build) =="
BUILD_DIR=$src/build-fedora "$src/scripts/build.sh" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_C_FLAGS="$fedora_cflags"
echo "== build (openEuler's flags: only the build) =="
BUILD_DIR=$src/build-openeuler "$src/scripts/build.sh" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_C_FLAGS="$openeuler_cflags"
echo "== build (Debian's flags: only the build) =="
BUILD_DIR=$src/build-debian "$src/scripts/build.sh" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="$debian_cflags"
echo "== build (ASan + UBSan) =="
BUILD_DIR=$src/build-asan "$src/scripts/build.sh" -DVMPLACE_SANITIZE=ON -DVMPLACE_VALGRIND=OFF

echo "== tests under ASan + UBSan =="
# the QEMU-booted kernel checks run once, in the plain build
(cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j2 -E 'qemu')
# --- fuzzing: every libFuzzer target for 20 s from its seed corpus (a copy),
# clang ASan+UBSan build in build-fuzz; fails on any crash, leak or timeout.
# About 3.5 minutes with the clang build (222 s measured on a loaded 2-core
# machine). docs/fuzzing.md ---
echo "== fuzz (20 s per target) =="
"$src/fuzz/run.sh" 20 "$src/build-fuzz"
# --- end fuzzing ---
echo "== tests =="
# a real libvirtd for the hook tests and for libvirt's own acceptance of every
# rewrite of the XML corpus (virsh define), beyond the schema check
"$src/scripts/libvirt-up.sh"
(cd "$src/build" && VMPLACE_TEST_LIBVIRT=1 ctest --output-on-failure -j2)

echo "== Debian package: build, lintian, install / upgrade / remove / purge =="
# Built from the committed tree (git HEAD), as a release would be.
rm -rf "$src/dist"
"$src/packaging/build-deb.sh" "$src/dist" >"$src/dist.log" 2>&1 || { tail -n 40 "$src/dist.log"; exit 1; }
deb=$(ls "$src"/dist/vmplace_*.deb)
bash "$src/tests/package/test_deb.sh" "$deb"
echo "== the real-libvirtd tests against the installed package =="
# The same tests, but every program they run is the one dpkg installed
# (tests/sh/lib.sh: VMPLACE_INSTALLED=1), next to the package's own hook link.
dpkg -i "$deb" >/dev/null
(cd "$src/build" && VMPLACE_INSTALLED=1 VMPLACE_TEST_LIBVIRT=1 \
        ctest --output-on-failure -R '^sh_test_libvirt_') || { dpkg -P vmplace >/dev/null; exit 1; }
dpkg -P vmplace >/dev/null

# --- lab (tests/lab/lab.sh, docs/lab.md): the package on a systemd + cgroup v2
# + 2-NUMA-node host booted under QEMU, with a nested VM under the real
# libvirtd. Its base image is cached in /var/cache/vmplace-lab: a warm run takes
# ~7 min, a cold one (debootstrap from Debian's mirror) ~10 min more. So that
# a slow machine stays inside CI's 90 minutes, the cold build is skipped (with
# a message saying how to run the lab) when the suite has already run 60
# minutes; VMPLACE_LAB=0 skips the lab, VMPLACE_LAB=1 always runs it.
echo "== lab: systemd + cgroup v2 + 2 NUMA nodes under QEMU =="
lab_args=()
lab_deb=$(ls "$src"/dist/vmplace_*.deb 2>/dev/null | head -1 || true)
[ -z "$lab_deb" ] || lab_args+=(--deb "$lab_deb")
if [ "${VMPLACE_LAB:-}" != 1 ] && [ "$SECONDS" -gt 3600 ]; then
        echo "lab: ${SECONDS}s spent already: running it only if its image is cached"
        lab_args+=(--if-cached)
fi
lab_rc=0
if [ "${VMPLACE_LAB:-}" = 0 ]; then
        echo "lab: skipped (VMPLACE_LAB=0); run tests/lab/lab.sh"
else
        "$src/tests/lab/lab.sh" "${lab_args[@]}" || lab_rc=$?
fi
[ "$lab_rc" = 0 ] || [ "$lab_rc" = 77 ] || exit "$lab_rc"
# --- end lab
