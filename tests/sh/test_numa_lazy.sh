#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libnuma initialised on first use (cmake/VmplaceStatic.cmake, lib/io/topoload.c):
# in the static programs a no-op hook call and an unmanaged prepare read
# nothing of libnuma's (its constructor read /proc/self/status twice and
# listed sysfs on every start), a managed prepare still reads the real host
# through libnuma and places (and the later ones read its topology cache
# instead), and topo_dump, linked the same way, gives the
# same model through libnuma as from /sys (the QEMU test does the same on a
# 2-node guest). A dynamic build keeps the constructor: its no-op reads them.
. "$(dirname "$0")/lib.sh"
need strace strace
scratch
unset VMPLACE_SYSFS
printf '[host]\n' >"$W/conf/vmplace.ini"
printf '[match]\nnames = lazy-*\n[placement]\ncpu_policy = shared\n' >"$W/conf/profiles.d/lazy.ini"
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
domxml lazy-1 "$(uuidn 1)" 1 64 >"$W/managed.xml"
domxml other-1 "$(uuidn 2)" 1 64 >"$W/unmanaged.xml"

# libnuma's start-up reads, counted in the openat calls of one hook run
# (LeakSanitizer cannot run under ptrace: off for these runs in ASan builds)
numa_opens() { # numa_opens NAME OP SUBOP XML
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                strace -f -e trace=openat -o "$W/trace" "$HOOK" "$1" "$2" "$3" - <"$4" >/dev/null 2>&1
        echo "rc=$? $(grep -cE '"/proc/self/status"|"/sys/devices/system/node"' "$W/trace")"
}

if file -L "$HOOK" | grep -q 'statically linked'; then
        is "$(numa_opens lazy-1 start begin "$W/managed.xml")" "rc=0 0" \
                "static hook, no-op: none of libnuma's start-up reads"
        is "$(numa_opens other-1 prepare begin "$W/unmanaged.xml")" "rc=0 0" \
                "static hook, unmanaged prepare: none either"
else
        out=$(numa_opens lazy-1 start begin "$W/managed.xml")
        ok "$(case $out in "rc=0 0") echo 1 ;; "rc=0 "*) echo 0 ;; *) echo 1 ;; esac)" \
                "dynamic hook: the loader runs libnuma's constructor ($out)"
fi
out=$(numa_opens lazy-1 prepare begin "$W/managed.xml")
ok "$(case $out in "rc=0 0") echo 1 ;; "rc=0 "*) echo 0 ;; *) echo 1 ;; esac)" \
        "managed prepare reads the host through libnuma and succeeds ($out)"
# the first prepare made the run dir, the second writes RUNDIR/topology.cache
# (lib/io/topoload.h), and from the third on the fixed topology comes from it:
# only the nodes' memory is read, libnuma is not started
is "$(numa_opens lazy-1 prepare begin "$W/managed.xml" | cut -d' ' -f1)" rc=0 "a second prepare"
if file -L "$HOOK" | grep -q 'statically linked'; then
        is "$(numa_opens lazy-1 prepare begin "$W/managed.xml")" "rc=0 0" \
                "static hook, a third: topology from the cache, no libnuma start-up"
fi
ok "$(grep -q '^source libnuma$' "$W/run/topology.cache"; echo $?)" "... a cache of what libnuma read"
# a shared VM floats over the CPUs of the nodes libnuma listed: all online here
want=$(sed -n 's/^online //p' <(VMPLACE_SYSFS=/sys "$VMPLACE_BUILD/tests/topo_dump"))
is "$(jget "$W/run/domains/$(uuidn 1).plan.json" 'j["vcpu_cpuset"]')" "$want" \
        "... and its vCPUs float over the host's online CPUs ($want)"

dump=$VMPLACE_BUILD/tests/topo_dump
if [ -x "$dump" ]; then
        a=$("$dump" --libnuma | sed '/^source /d; s/ free_kib [0-9]*//')
        b=$(VMPLACE_SYSFS=/sys "$dump" | sed '/^source /d; s/ free_kib [0-9]*//')
        ok "$([ -n "$a" ] && [ "$a" = "$b" ] && echo 0 || echo 1)" \
                "topo_dump ($(file -L "$dump" | grep -o 'statically linked\|dynamically linked')): libnuma and /sys give the same model"
        [ "$a" = "$b" ] || diff <(echo "$a") <(echo "$b") | sed 's/^/#   /'
else
        ok 1 "$dump is built"
fi
done_testing
