# SPDX-License-Identifier: GPL-2.0-or-later
# guestlib.sh: helpers shared by the QEMU-booted tests (tests/sh/*_qemu.sh,
# tests/lab/lab.sh, tests/qemu/boot.sh) and by the scripts they run in the
# guest. Sourced by bash on the host and by busybox sh in the guest
# (mkinitrd.sh puts it at /lib/vmplace/guestlib.sh in every initramfs), so
# POSIX sh plus `local`, nothing bash-only.
#
# The guest prints what it found between markers on the serial console,
#   @@VMPLACE-NAME@@
#   ...
#   @@VMPLACE-END-NAME@@
# and the host reads each NAME back as a section of the cleaned console.
# Host-side functions use the sourcing test's $src (the source tree) and
# $work (its scratch dir: $work/console is the cleaned console).

# ---- guest side -------------------------------------------------------------

sec_begin() { echo "@@VMPLACE-$1@@"; } # sec_begin NAME
sec_end() { echo "@@VMPLACE-END-$1@@"; } # sec_end NAME

# ---- host side: booting -----------------------------------------------------

# qemu_cpu ACCEL: the -cpu model for tests/qemu/accel.sh's answer. KVM: the
# host's. TCG's default CPU models are AMD-family, for which QEMU presents no
# SMT threads: an Intel vendor gives the guest real sibling pairs (0-1, 2-3).
qemu_cpu() {
        if [ "$1" = kvm ]; then echo host; else echo qemu64,vendor=GenuineIntel; fi
}

# qemu_boot_2node INITRD: tests/qemu/boot.sh on the guest every QEMU test
# boots: 4 CPUs, 2 NUMA nodes of 512 MiB (node0 = CPUs 0-1, node1 = CPUs
# 2-3), each node one socket of one core with 2 threads; 240 s at most. The
# console on stdout; boot.sh's exit status.
qemu_boot_2node() {
        "$src/tests/qemu/boot.sh" --timeout 240 --node 0-1:512 --node 2-3:512 \
                --smp 4,sockets=2,cores=1,threads=2 "$1"
}

# qemu_console RAW OUT: the console without what is not the guest script's:
# serial lines end in CRLF; kernel messages ("[    1.23] ...") may interleave.
qemu_console() {
        tr -d '\r' <"$1" | grep -Ev '^\[ *[0-9]+\.[0-9]+\] ' >"$2" || true
}

# ---- host side: reading the console -----------------------------------------

# qemu_split_sections: each section of $work/console into $work/sec/NAME,
# once, for tests that read many (forks are slow on these machines); section
# then reads those files.
qemu_split_sections() {
        mkdir "$work/sec"
        awk -v dir="$work/sec" '
                f != "" && $0 == "@@VMPLACE-END-" name "@@" { close(f); f = ""; next }
                f != "" { print > f; next }
                /^@@VMPLACE-.*@@$/ && !/^@@VMPLACE-END-/ {
                        name = substr($0, 11, length($0) - 12); f = dir "/" name; printf "" > f }' \
                "$work/console"
}

# section NAME: the lines between NAME's markers (none when it is missing)
section() {
        if [ -d "$work/sec" ]; then
                cat "$work/sec/$1" 2>/dev/null
        else
                awk -v s="@@VMPLACE-$1@@" -v e="@@VMPLACE-END-$1@@" \
                        '$0 == e { f = 0 } f { print } $0 == s { f = 1 }' "$work/console"
        fi
}

# has SECTION REGEX: some line of the section matches (extended regex).
# Not grep -q: it can exit before the feeder, which then dies of SIGPIPE and
# fails the check at random under pipefail.
has() { section "$1" | grep -E "$2" >/dev/null; }

# ---- host side: TAP ---------------------------------------------------------

# check DESCRIPTION COMMAND...: one TAP line, "ok N - DESCRIPTION" when
# COMMAND succeeds, else "not ok N - ..."; counts in n and failed. (Tests
# that source tests/sh/lib.sh use its ok/is/like instead.)
n=0 failed=0
check() {
        local what=$1
        shift
        n=$((n + 1))
        if "$@"; then
                echo "ok $n - $what"
        else
                echo "not ok $n - $what"
                failed=$((failed + 1))
        fi
}

# qemu_times T0 T1 T2 T3: how long the initramfs, the boot with the guest's
# run, and the whole test took, from four `date +%s.%N` stamps.
qemu_times() {
        awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" \
                'BEGIN { printf "# initrd %.1f s, boot+run %.1f s, total %.1f s\n", b - a, c - b, d - a }'
}

# qemu_failed_console: after failed checks, say how many and show the
# cleaned console, each line as a TAP comment.
qemu_failed_console() {
        echo "# $failed of $n checks failed; guest console:"
        sed 's/^/#   /' "$work/console"
}
