#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hostile-input table (issue "Prove"): every row feeds one program one
# hostile input on a fake host (config dir, run dir, libvirt run dir, /proc,
# sysfs and a cgroup v1 tree under one scratch dir) with a running managed
# domain db-1 and asserts
#   - the exit code, and that stderr is exactly the expected number of lines
#     (one, or one per error for validate) matching the expected message;
#   - the hook's stdout is empty (SPEC 4: only migrate/restore print);
#   - nothing else changed: sha256, type and mode of every file under the
#     scratch dir before and after, and only paths matching the row's
#     "changes" pattern may differ (state never escapes VMPLACE_RUNDIR:
#     the run dirs sit two levels deep so that "../../x" lands in the
#     scratch dir and shows up here);
#   - the same row once more under valgrind memcheck (definite and indirect
#     leaks fail). The hook and the enforcer are linked statically by
#     default and valgrind cannot see malloc in a static program, so the
#     valgrind pass runs tests/vmplace-hook-dynamic and
#     tests/vmplace-enforce-dynamic (same source, dynamically linked). In an
#     ASan build valgrind is skipped and LeakSanitizer does that job.
# reconnect/attach rows must exit 0 whatever the input (libvirt kills the VM
# otherwise). HOSTILE_VALGRIND=0 skips the memcheck pass, HOSTILE_ROWS=REGEX
# runs only the matching rows. With HOSTILE_TABLE=FILE the rows are also written as a markdown
# table (docs/hostile-input.md is made that way).
. "$(dirname "$0")/lib.sh"
scratch
IO=$(mktemp -d /tmp/vmplace-hostile-io.XXXXXX) # inputs and outputs, outside the snapshot
BASE=$(mktemp -d /tmp/vmplace-hostile-base.XXXXXX)
trap 'rm -rf "$W" "$IO" "$BASE"' EXIT
ENF=$ENFORCE
export VMPLACE_RUNDIR=$W/r1/r2/run VMPLACE_LIBVIRT_RUNDIR=$W/l1/l2/lvrun
export VMPLACE_PROC=$W/proc VMPLACE_SYSFS=$IO/sys
RUN=run # paths in the change patterns are relative to $W
R=r1/r2/run
L=l1/l2/lvrun

# --- valgrind / sanitizer set-up ---------------------------------------------
VG=
HOOK_VG=$HOOK ENF_VG=$ENF
if ldd "$HOOK" 2>/dev/null | grep -q libasan; then
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
        echo "# ASan build: leaks are LeakSanitizer's (no valgrind pass)"
elif [ "${HOSTILE_VALGRIND:-1}" = 1 ] && command -v valgrind >/dev/null; then
        VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
        HOOK_VG=$VMPLACE_BUILD/tests/vmplace-hook-dynamic
        [ -x "$HOOK_VG" ] || HOOK_VG=$HOOK # a build with VMPLACE_STATIC_HOOK=OFF
        ENF_VG=$VMPLACE_BUILD/tests/vmplace-enforce-dynamic
        [ -x "$ENF_VG" ] || ENF_VG=$ENF
else
        echo "# valgrind not installed: no memcheck pass"
fi

# --- the base state every row starts from ------------------------------------
cp -r "$VMPLACE_TEST_DATA/topo/2node-smt" "$IO/sys"
mkdir -p "$W/$R" "$W/$L" "$W/proc"
chmod 700 "$W/$R"
cat >"$W/conf/vmplace.ini" <<'INI'
[host]
reserved_cpus = 0,4
default_profile = anyvm
INI
cat >"$W/conf/profiles.d/db.ini" <<'INI'
[match]
names = db-*
[cputune]
shares = 2048
vcpu_period = 100000
vcpu_quota = 50000
[placement]
cpu_policy = dedicated
INI
cat >"$W/conf/profiles.d/anyvm.ini" <<'INI'
[profile]
description = every other domain: shares only, no CPUs taken
[cputune]
shares = 512
INI
chmod 644 "$W"/conf/vmplace.ini "$W"/conf/profiles.d/*.ini
U1=$(uuidn 1)
domxml db-1 "$U1" 2 512 >"$IO/db1.xml"
"$HOOK" db-1 prepare begin - <"$IO/db1.xml" || { echo "not ok 1 - base: db-1 prepare"; exit 1; }

# fake_running NAME PID CGDIR: a running QEMU for NAME as libvirt and the
# kernel show it (pid file, status XML with vCPU TIDs, /proc/PID/cgroup,
# threads, a v1 cgroup tree with the files libvirt's groups have).
fake_running() {
        local name=$1 pid=$2 dom=$3 xml=$4 h g t
        echo "$pid" >"$W/$L/$name.pid"
        for h in cpu cpuacct cpuset; do
                for g in "" emulator vcpu0 vcpu1; do
                        mkdir -p "$W/cgroup/$h/$dom/$g"
                        case $h in
                        cpu) printf '1024\n' >"$W/cgroup/$h/$dom/$g/cpu.shares"
                                printf '100000\n' >"$W/cgroup/$h/$dom/$g/cpu.cfs_period_us"
                                printf -- '-1\n' >"$W/cgroup/$h/$dom/$g/cpu.cfs_quota_us" ;;
                        cpuset) printf '0-7\n' >"$W/cgroup/$h/$dom/$g/cpuset.cpus"
                                printf '0-1\n' >"$W/cgroup/$h/$dom/$g/cpuset.mems" ;;
                        esac
                done
        done
        mkdir -p "$W/proc/$pid/task"
        printf '3:cpuset:/%s/emulator\n2:cpuacct:/%s/emulator\n1:cpu:/%s/emulator\n' \
                "$dom" "$dom" "$dom" >"$W/proc/$pid/cgroup"
        # the threads as the kernel shows them once pinned as planned
        for t in "$pid:qemu-system-x86:3,7" "$((pid + 1)):CPU 0/TCG:2" "$((pid + 2)):CPU 1/TCG:6"; do
                local tid=${t%%:*} rest=${t#*:}
                mkdir -p "$W/proc/$pid/task/$tid"
                echo "${rest%:*}" >"$W/proc/$pid/task/$tid/comm"
                printf 'Name:\tx\nCpus_allowed_list:\t%s\nMems_allowed_list:\t1\n' "${rest##*:}" \
                        >"$W/proc/$pid/task/$tid/status"
        done
        { echo "<domstatus state='running' pid='$pid'><vcpus><vcpu id='0' pid='$((pid + 1))'/><vcpu id='1' pid='$((pid + 2))'/></vcpus>"
          cat "$xml"; echo "</domstatus>"; } >"$W/$L/$name.xml"
}
DB1CG=machine/qemu-1-db-1.libvirt-qemu
# The fake QEMU's pid and thread ids are above this kernel's pid_max, where
# no process can be: the enforcer's sched_setaffinity goes to the real
# kernel, which must answer ESRCH (a thread gone) rather than pin a process
# that is not ours (30001 once was one, on a CI machine whose pids had
# wrapped that far).
for _p in 4194001 4194002 4194003 4194099; do
        [ ! -e /proc/$_p ] || { echo "Bail out! pid $_p exists: the fake QEMU's pids must be free"; exit 1; }
done
fake_running db-1 4194001 "$DB1CG" "$IO/db1.xml"
"$HOOK" db-1 started begin - <"$IO/db1.xml" 2>"$IO/err"
is "$?:$(cat "$IO/err")" "0:" "base: db-1 placed and enforced on the fake host"
is "$(cat "$W/cgroup/cpuset/$DB1CG/vcpu1/cpuset.cpus")" 6 "base: vcpu1 pinned to CPU 6 in the fake tree"
cp -a "$W/." "$BASE/"

restore() { rm -rf "$W" && mkdir "$W" && cp -a "$BASE/." "$W/"; }

# snapshot FILE: type, mode, link target and sha256 of everything under $W
snapshot() {
        (
                cd "$W" || exit 1
                find . -mindepth 1 \( -type f -o -type l -o -type d \) -printf '%P\t%y %m %l\n'
                find . -type f -print0 | xargs -0r sha256sum | sed 's|^\([0-9a-f]*\)  \./\(.*\)|\2\tsha \1|'
        ) | LC_ALL=C sort >"$1"
}
# paths that differ between two snapshots (added, removed or changed)
changed() {
        LC_ALL=C comm -3 "$1" "$2" | sed 's/^\t//' | cut -f1 | LC_ALL=C sort -u
}

# --- the table ---------------------------------------------------------------
TABLE=${HOSTILE_TABLE:-}
[ -n "$TABLE" ] && printf '| case | program and op | exit | what vmplace says (stderr) |\n|---|---|---|---|\n' >"$TABLE"

# row CASE EXIT LINES MSG-REGEX CHANGES-REGEX PROGRAM ARGS...
#   stdin from $IN (default /dev/null); setup in the function $SETUP (run on
#   the restored base before the snapshot); CHANGES-REGEX: the only paths
#   (relative to the scratch dir) that may differ afterwards ('' = none);
#   LINES: stderr lines wanted (MSG-REGEX must match the whole stderr).
IN=/dev/null
SETUP=:
CLEANUP=:
row() {
        local name=$1 want_rc=$2 want_lines=$3 msg=$4 allow=$5 prog=$6
        shift 6
        # HOSTILE_ROWS=REGEX: only the rows whose case matches (for a quick rerun)
        if [ -n "${HOSTILE_ROWS:-}" ] && ! [[ $name =~ $HOSTILE_ROWS ]]; then
                IN=/dev/null SETUP=: CLEANUP=:
                return
        fi
        local bin=$prog
        case $prog in hook) bin=$HOOK ;; cli) bin=$CLI ;; enforce) bin=$ENF ;; esac
        restore
        $SETUP
        snapshot "$IO/before"
        "$bin" "$@" <"$IN" >"$IO/out" 2>"$IO/err"
        local rc=$? err lines
        snapshot "$IO/after"
        $CLEANUP
        err=$(cat "$IO/err")
        lines=$(wc -l <"$IO/err")
        local what="$prog $*"
        what=${what//$W/SCRATCH}
        local bad=
        [ "$rc" = "$want_rc" ] || bad+=" exit $rc (want $want_rc);"
        if [ "$want_lines" = + ]; then # validate: one line per error, every one a FILE:LINE
                [ "$lines" -ge 1 ] || bad+=" no stderr line;"
                [ -z "$msg" ] || ! grep -Evq -- "$msg" "$IO/err" || bad+=" a stderr line does not match /$msg/;"
        else
                [ "$lines" = "$want_lines" ] || bad+=" $lines stderr lines (want $want_lines);"
                [ -z "$msg" ] || grep -Eq -- "$msg" "$IO/err" || bad+=" stderr does not match /$msg/;"
        fi
        if [ "$prog" = hook ]; then
                case " $* " in *" migrate "* | *" restore "*) ;; *)
                        [ -s "$IO/out" ] && bad+=" hook printed on stdout;" ;;
                esac
        fi
        local diffs
        # ledger.cache is derived: every save of the ledger rewrites it, and
        # its key (the inode and times of ledger.json) changes even when a
        # re-save leaves the JSON's bytes as they were; the JSON is compared.
        # ledger.lock's byte says whether its last holder finished (a refused
        # operation leaves it busy, so the next holder scans domains/:
        # test_ledgerstore's test_lock_flag)
        diffs=$(changed "$IO/before" "$IO/after" | grep -Ev '/ledger\.(cache|lock)$')
        if [ -n "$allow" ]; then diffs=$(printf '%s\n' "$diffs" | grep -Ev -- "$allow"); fi
        [ -z "$diffs" ] || bad+=" unexpected changes: $(echo $diffs);"
        if [ -z "$bad" ]; then ok 0 "$name: exit $rc, $want_lines line(s), nothing else changed"
        else
                ok 1 "$name"
                echo "#  $bad"
                sed 's/^/#   stderr: /' "$IO/err" | head -5
        fi
        [ -n "$TABLE" ] && printf '| %s | `%s` | %s | `%s` |\n' "$name" \
                "$(printf '%s' "$what" | head -c 120 | tr '\n|' '?/')" "$rc" \
                "$(printf '%s' "${err//$W/SCRATCH}" | tr '\n|`' '?/'"'")" >>"$TABLE"
        # the same under memcheck, from the same state
        if [ -n "$VG" ]; then
                case $prog in hook) bin=$HOOK_VG ;; enforce) bin=$ENF_VG ;; esac
                restore
                $SETUP
                $VG --log-file="$IO/vg.%p" "$bin" "$@" <"$IN" >/dev/null 2>"$IO/vgerr"
                rc=$?
                $CLEANUP
                if [ "$rc" = "$want_rc" ] && ! cat "$IO"/vg.* 2>/dev/null | grep -q .; then
                        ok 0 "$name: valgrind clean"
                else
                        ok 1 "$name: valgrind (exit $rc)"
                        cat "$IO"/vg.* 2>/dev/null | head -30 | sed 's/^/#   /'
                fi
                rm -f "$IO"/vg.*
        fi
        IN=/dev/null
        SETUP=:
        CLEANUP=:
}

# helpers for the setups
put() { printf '%b' "$2" >"$W/$1" && chmod 644 "$W/$1"; } # put REL CONTENT
prof() { put "conf/profiles.d/$1.ini" "$2"; }              # prof NAME CONTENT
U2=$(uuidn 2)
domxml db-2 "$U2" 2 512 >"$IO/db2.xml"
NEWSTATE="^$R/(ledger\.json|domains/$U2\.(xml|input\.xml|plan\.json))\$"
PD=profiles.d
F="conf/$PD"

# --- INI -----------------------------------------------------------------------
s_trunc() { prof db '[match]\nnames = db-*\n[placem'; }
SETUP=s_trunc row "INI truncated in a section header" 1 1 "$F/db\.ini:3: " "" cli validate
SETUP=s_trunc IN=$IO/db2.xml row "INI truncated: hook prepare refuses" 1 1 "^vmplace: db-2: .*$F/db\.ini:3: " "" hook db-2 prepare begin -
SETUP=s_trunc IN=$IO/db1.xml row "INI truncated: reconnect still exits 0" 0 0 "" "" hook db-1 reconnect begin -
s_binary() { printf '\x7fELF\x02\x01\x01\x00\xff\xfe[\x00]=\x01\n\x80\x81 = \xc3\x28\n[host\n' >"$W/$F/junk.ini"; chmod 644 "$W/$F/junk.ini"; }
SETUP=s_binary row "INI binary garbage" 1 + "$F/junk\.ini:[0-9]+: " "" cli validate
s_unksect() { prof db '[match]\nnames = db-*\n[frobnicate]\nx = 1\n'; }
SETUP=s_unksect row "INI unknown section" 1 + "$F/db\.ini:3: .*frobnicate" "" cli validate
s_unkkey() { prof db '[match]\nnames = db-*\n[cputune]\nfrobnicate = 2\n'; }
SETUP=s_unkkey row "INI unknown key" 1 1 "$F/db\.ini:4: .*frobnicate" "" cli validate
s_dpkg() { printf '\x00\x01garbage' >"$W/$F/db.ini.dpkg-old"; }
SETUP=s_dpkg row "INI garbage in a non-.ini file is ignored" 0 0 "" "" cli validate

# every key of lib/model/conftable.c's tables, each numeric one out of range on both
# sides; a key with no entry here fails the test, so new keys get rows
declare -A LOW=([priority]=-2147483649 [shares]=1 [global_period]=999 [vcpu_period]=999
        [emulator_period]=999 [iothread_period]=999 [global_quota]=999 [vcpu_quota]=0
        [emulator_quota]=999 [iothread_quota]=-99999999999999999999 [numa_nodes]=0 [cells]=0
        [reserved_memory]=-1 [cell.memory]=0KiB [vcpupin]=-1 [iothreadpin]=0 [memnode]=-1
        [cell.cpus]=-1)
declare -A HIGH=([priority]=2147483648 [shares]=262145 [global_period]=1000001
        [vcpu_period]=1000001 [emulator_period]=1000001 [iothread_period]=1000001
        [global_quota]=17592186044416 [vcpu_quota]=17592186044416 [emulator_quota]=17592186044416
        [iothread_quota]=99999999999999999999 [numa_nodes]=65 [cells]=65
        [reserved_memory]=99999999999TiB [cell.memory]=99999999999TiB [vcpupin]=16384
        [iothreadpin]=16385 [memnode]=64 [cell.cpus]=64)
# non-numeric keys: a value of the wrong kind
declare -A WRONG=([reserved_cpus]=0-x [dedicated_cpus]=99999 [shared_cpus]=3-1
        [default_profile]=../x [on_error]=maybe [strategy]=random [names]='' [metadata]='a b'
        [include]=../../etc/passwd [description]=SKIP [vcpus]=a [emulatorpin]=1-0
        [cpu_policy]=greedy [thread_policy]=never [emulator_policy]=float [isolation]=total
        [mode]=strictly
        [nodeset]=1025 [memnode.mode]=none)
cfg=$VMPLACE_SRC/lib/model/conftable.c
keys=$(sed -n '/^static const vp_conf_key keys\[\] = {/,/^};/p' "$cfg" |
        sed -n 's/^ *{VP_SECT_\([A-Z_]*\), "\([a-z_]*\)", NULL,.*/\1 \2/p')
idkeys=$(sed -n '/^static const vp_conf_key idkeys\[\] = {/,/^};/p' "$cfg" |
        sed -n 's/^ *{VP_SECT_\([A-Z_]*\), "\([a-z_.]*\)", "\([a-z_.]*\)".*/\1 \2 \3/p')
ok $([ "$(echo "$keys" | wc -l)" -ge 30 ] && [ "$(echo "$idkeys" | wc -l)" -ge 6 ]; echo $?) \
        "the key tables of lib/model/conftable.c were read ($(echo "$keys" | wc -l) keys, $(echo "$idkeys" | wc -l) id keys)"
keyrow() { # keyrow SECTION KEY TABLE-KEY VALUE SIDE
        local sect=${1,,} key=$2 v=$4 file=$F/db.ini line=4
        [ "$v" = SKIP ] && return
        if [ "$sect" = host ]; then
                file=conf/vmplace.ini line=2
                eval "s_key() { put conf/vmplace.ini '[host]\\n$key = $v\\n'; }"
        else
                eval "s_key() { prof db '[match]\\nnames = db-*\\n[$sect]\\n$key = $v\\n'; }"
        fi
        SETUP=s_key row "INI [$sect] $key = '$v' ($5)" 1 1 "${file//./\\.}:$line: " "" cli validate
}
while read -r sect key; do
        case $key in
        on_error | strategy) k=$key ;;
        *) k=$key ;;
        esac
        if [ -n "${LOW[$k]+x}" ]; then
                keyrow "$sect" "$key" "$k" "${LOW[$k]}" "below its range"
                keyrow "$sect" "$key" "$k" "${HIGH[$k]}" "above its range"
        elif [ -n "${WRONG[$k]+x}" ]; then
                keyrow "$sect" "$key" "$k" "${WRONG[$k]}" "invalid"
        else
                ok 1 "key [$sect] $key of lib/model/conftable.c has no hostile value in this test"
        fi
done <<<"$keys"
while read -r sect pre suf; do
        k=${pre%.}${suf}
        case $k in memnode.nodeset) k=memnode ;; memnode.mode) k=memnode ;; esac
        if [ -n "${LOW[$k]+x}" ] || [ -n "${LOW[${pre%.}]+x}" ]; then
                [ -n "${LOW[$k]+x}" ] || k=${pre%.}
                # the id out of range on both sides, with a valid value
                val=0; case $suf in .mode) val=strict ;; .memory) val=1GiB ;; esac
                for id in -1 99999; do keyrow "$sect" "$pre$id$suf" "$k" "$val" "id $id"; done
                # a valid id with the value out of range
                case $suf in
                .memory | .cpus | "") keyrow "$sect" "${pre}0$suf" "$k" "${HIGH[$k]}" "value above its range" ;;
                esac
        else
                ok 1 "id key [$sect] $pre*$suf of lib/model/conftable.c has no hostile value in this test"
        fi
done <<<"$idkeys"

# includes
s_cycle() { prof a '[profile]\ninclude = b\n'; prof b '[profile]\ninclude = a\n'; }
SETUP=s_cycle row "INI include cycle a -> b -> a" 1 + "$F/[ab]\.ini:2: .*(cycle|loop)" "" cli validate
s_self() { prof a '[profile]\ninclude = a\n'; }
SETUP=s_self row "INI self-include" 1 1 "$F/a\.ini:2: .*(cycle|loop|itself)" "" cli validate
s_missinc() { prof a '[profile]\ninclude = nosuch\n'; }
SETUP=s_missinc row "INI include of a missing profile" 1 1 "$F/a\.ini:2: .*nosuch" "" cli validate
SETUP=s_cycle IN=$IO/db2.xml row "INI include cycle: hook prepare refuses" 1 1 "^vmplace: db-2: .*$F/[ab]\.ini:2: " "" hook db-2 prepare begin -

# permissions (SPEC 2: writable by anyone but root is refused, like sudoers)
s_ww_dir() { chmod 777 "$W/$F"; }
SETUP=s_ww_dir row "profiles.d world-writable" 1 1 "$F.*writable" "" cli validate
s_ww_file() { chmod 666 "$W/$F/db.ini"; }
SETUP=s_ww_file row "profile world-writable" 1 1 "$F/db\.ini.*writable" "" cli validate
s_ww_host() { chmod 646 "$W/conf/vmplace.ini"; }
SETUP=s_ww_host row "vmplace.ini world-writable" 1 1 "conf/vmplace\.ini.*writable" "" cli validate
s_grp_file() { chown 0:1 "$W/$F/db.ini"; chmod 664 "$W/$F/db.ini"; }
SETUP=s_grp_file row "profile group-writable by a non-root group" 1 1 "$F/db\.ini.*writable" "" cli validate
SETUP=s_ww_file IN=$IO/db2.xml row "profile world-writable: hook prepare refuses" 1 1 "^vmplace: db-2: .*$F/db\.ini.*writable" "" hook db-2 prepare begin -
s_symlink() { printf '[match]\nnames = zz-*\n' >"$IO/outside.ini"; chmod 644 "$IO/outside.ini"; ln -s "$IO/outside.ini" "$W/$F/evil.ini"; }
# a link is read like the file it names (config management does that), so the
# target's owner and mode are what is checked
SETUP=s_symlink row "profile a symlink pointing outside the config dir (root's, 0644: read)" 0 0 "" "" cli validate
s_symlink_ww() { printf '[match]\nnames = zz-*\n' >"$IO/outside.ini"; chmod 666 "$IO/outside.ini"; ln -s "$IO/outside.ini" "$W/$F/evil.ini"; }
SETUP=s_symlink_ww row "profile a symlink to a world-writable file" 1 1 "$F/evil\.ini.*writable" "" cli validate
s_dirini() { mkdir "$W/$F/d.ini"; }
SETUP=s_dirini row "profile that is a directory" 1 1 "$F/d\.ini" "" cli validate

# --- domain XML ----------------------------------------------------------------
H=$VMPLACE_TEST_DATA/xml/hostile
PASSWD=$(head -1 /etc/passwd)
for f in doctype-external-entity doctype-billion-laughs doctype-external-dtd; do
        IN=$H/$f.xml row "XML $f: prepare" 1 1 "^vmplace: db-2: domain XML has a DOCTYPE: refused$" "" hook db-2 prepare begin -
        IN=$H/$f.xml row "XML $f: plan --xml" 2 1 "DOCTYPE" "" cli plan --xml -
        IN=$H/$f.xml row "XML $f: reconnect exits 0" 0 0 "" "" hook db-2 reconnect begin -
done
s_xxe_status() { cp "$H/doctype-external-entity.xml" "$W/$L/db-1.xml"; }
SETUP=s_xxe_status IN=$IO/db1.xml row "XML DOCTYPE in libvirt's status file: started" 1 1 "^vmplace: db-1: enforcement failed: .*$L/db-1\.xml: domain XML has a DOCTYPE" "" hook db-1 started begin -
SETUP=s_xxe_status IN=$IO/db1.xml row "XML DOCTYPE in libvirt's status file: reconnect exits 0" 0 0 "" "" hook db-1 reconnect begin -
ok $(! grep -rqF -- "$PASSWD" "$W" "$IO/out" "$IO/err"; echo $?) "/etc/passwd's first line appears in no output or state"
IN=$H/truncated.xml row "XML truncated" 1 1 "^vmplace: db-2: domain XML line [0-9]+: " "" hook db-2 prepare begin -
IN=$H/missing-name.xml row "XML without <name>" 1 1 "^vmplace: db-2: domain XML has no <name>$" "" hook db-2 prepare begin -
IN=$H/wrong-root.xml row "XML wrong root element" 1 1 "^vmplace: db-2: domain XML root is <[a-z]*>, not <domain>$" "" hook db-2 prepare begin -
IN=$H/empty.xml row "XML empty input" 1 1 "^vmplace: db-2: domain XML is empty$" "" hook db-2 prepare begin -
IN=$H/not-xml.txt row "XML not XML at all" 1 1 "^vmplace: db-2: domain XML line 1: " "" hook db-2 prepare begin -
IN=$H/invalid-utf8.xml row "XML invalid UTF-8" 1 1 "^vmplace: db-2: domain XML line [0-9]+: " "" hook db-2 prepare begin -
domxml db-2 "" 1 64 | sed '/<uuid>/d' >"$IO/nouuid.xml"
IN=$IO/nouuid.xml row "XML without <uuid>" 1 1 "^vmplace: db-2: .*uuid" "" hook db-2 prepare begin -
IN=$IO/nouuid.xml row "XML without <uuid>: reconnect exits 0" 0 0 "" "" hook db-2 reconnect begin -
IN=$H/truncated.xml row "XML truncated: release frees by name" 0 0 "" "^$R/" hook db-1 release end -
# 10 MB (10^7 bytes, under the 10 MiB limit): placed, state recorded, enforced
python3 - "$IO/big.xml" "$U2" <<'PY'
import sys
pad = "x" * 10_000_000
open(sys.argv[1], "w").write(f"<domain type='qemu'><name>db-2</name><uuid>{sys.argv[2]}</uuid>"
    f"<description>{pad}</description><memory unit='MiB'>512</memory><vcpu>2</vcpu>"
    "<os><type arch='x86_64'>hvm</type></os></domain>")
PY
IN=$IO/big.xml row "XML of 10 MB: prepare places it" 0 0 "" "$NEWSTATE" hook db-2 prepare begin -
python3 -c 'import sys; sys.stdout.write("<domain><description>" + "x" * (11 << 20) + "</description></domain>")' >"$IO/huge.xml"
IN=$IO/huge.xml row "XML of 11 MiB: refused" 1 1 "^vmplace: db-2: reading the domain XML: input larger than 10485760 bytes$" "" hook db-2 prepare begin -
IN=$IO/huge.xml row "XML of 11 MiB: reconnect exits 0" 0 0 "" "" hook db-1 reconnect begin -

# --- domain names --------------------------------------------------------------
# hostile_name CASE NAME: the name in argv and in <name> (XML-escaped)
xmlesc() { python3 -c 'import sys,html; sys.stdout.write(html.escape(sys.argv[1]))' "$1"; }
U3=$(uuidn 3)
NAMESTATE="^$R/(ledger\.json|domains/$U3\.(xml|input\.xml|plan\.json))\$"
hostile_name() {
        local c=$1 n=$2 prep_rc=$3 prep_msg=$4 prep_changes=$5
        domxml "$(xmlesc "$n")" "$U3" 1 64 >"$IO/name.xml"
        IN=$IO/name.xml row "name $c: prepare" "$prep_rc" "$([ "$prep_rc" = 0 ] && echo 0 || echo 1)" "$prep_msg" "$prep_changes" hook "$n" prepare begin -
        IN=$IO/name.xml row "name $c: started (no QEMU)" 0 0 "" "" hook "$n" started begin -
        IN=$IO/name.xml row "name $c: reconnect exits 0" 0 0 "" "$NAMESTATE" hook "$n" reconnect begin -
        IN=$IO/name.xml row "name $c: release" 0 0 "" "" hook "$n" release end -
        row "name $c: vmplace-enforce" 1 1 "^vmplace-enforce: .*: " "" enforce "$n"
        IN=$IO/name.xml row "name $c: plan --xml" "$([ "$prep_rc" = 0 ] && echo 0 || echo 2)" "$([ "$prep_rc" = 0 ] && echo 0 || echo 1)" "" "" cli plan --xml -
}
hostile_name "with /" "a/b" 1 "^vmplace: a/b: <name> value 'a/b' is not a usable domain name" ""
hostile_name "'..'" ".." 1 "^vmplace: \.\.: <name> value '\.\.' is not a usable" ""
hostile_name "'../../etc/x'" "../../etc/x" 1 "^vmplace: \.\./\.\./etc/x: <name> value" ""
hostile_name "with a newline" $'nl\nname' 1 "^vmplace: nl.name: <name> value 'nl name' is not a usable" ""
hostile_name "of 300 characters" "$(printf 'v%.0s' $(seq 300))" 0 "" "$NAMESTATE"
hostile_name "UTF-8" "dé-ü-数据库" 0 "" "$NAMESTATE"
hostile_name "shell metacharacters" '$(touch pwned);`id`|x&y>z' 0 "" "$NAMESTATE"
# invalid UTF-8 in argv only (the XML must be UTF-8 to parse at all)
domxml "bad-utf8" "$U3" 1 64 >"$IO/name.xml"
IN=$IO/name.xml row "name invalid UTF-8 in argv: reconnect exits 0" 0 0 "" "$NAMESTATE" hook $'bad\xff\xfeutf8' reconnect begin -
IN=$IO/name.xml row "name invalid UTF-8 in argv: release" 0 0 "" "" hook $'bad\xff\xfeutf8' release end -
# syslog: a newline in the name must not split a record (a socket stands in
# for /dev/log in a private mount namespace, as in test_hook_syslog.sh)
restore
NL="hn$$"$'\n'second
domxml "hn$$-ok" "$U3" 1 64 >"$IO/nl.xml"
cat >"$IO/syslog.sh" <<SH
python3 - "$IO/log" <<'PY' &
import os, socket, sys
p = "/dev/log.vmplace-hostile.$$"
if os.path.exists(p): os.unlink(p)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(p); s.settimeout(2)
with open(sys.argv[1], "w") as out:
    try:
        while True: out.write(s.recv(8192).decode(errors="replace").rstrip("\\n") + "\\n"); out.flush()
    except socket.timeout: pass
os.unlink(p)
PY
while [ ! -S /dev/log.vmplace-hostile.$$ ]; do sleep 0.05; done
if [ -S /dev/log ]; then mount --bind /dev/log.vmplace-hostile.$$ /dev/log
else ln -sfn /dev/log.vmplace-hostile.$$ /dev/log; trap 'rm -f /dev/log' EXIT; fi
for op in "prepare begin" "started begin" "reconnect begin" "release end"; do
        "$HOOK" "\$1" \$op - <"$IO/nl.xml" 2>/dev/null
done
wait
SH
if [ -S /dev/log ]; then unshare -m bash "$IO/syslog.sh" "$NL"; else bash "$IO/syslog.sh" "$NL"; fi
grep -a "hn$$" "$IO/log" | sed 's/^/# syslog: /'
is "$(grep -ac "hn$$?second \(started\|reconnect\): enforcement failed" "$IO/log")" 2 \
        "syslog: started and reconnect (no QEMU) logged as one record each, '?' for the newline"
is "$(grep -ac '^second' "$IO/log")" 0 "syslog: no record split by the newline"

ok $([ ! -e /etc/x.pid ] && [ ! -e /etc/x.xml ] && [ ! -e "$W/pwned" ] && [ ! -e pwned ]; echo $?) \
        "no file outside the scratch dir, no command run"

# --- cgroups, ledger, state, QEMU ------------------------------------------------
CG="^cgroup/"
s_nocg() { rm -rf "$W/cgroup/cpu/$DB1CG"; }
SETUP=s_nocg IN=$IO/db1.xml row "cgroup dir missing: started refuses" 1 1 "^vmplace: db-1: enforcement failed: .*cgroup/cpu/$DB1CG" "$CG" hook db-1 started begin -
# reconnect re-plans the entry (recovery): a new commit token in plan.json
SETUP=s_nocg IN=$IO/db1.xml row "cgroup dir missing: reconnect exits 0" 0 0 "" "$CG|^$R/(ledger\.json|domains/$U1\.plan\.json)$" hook db-1 reconnect begin -
SETUP=s_nocg row "cgroup dir missing: vmplace-enforce" 1 1 "^vmplace-enforce: db-1: .*cgroup/cpu/$DB1CG" "$CG" enforce db-1
s_filecg() { rm -rf "$W/cgroup/cpuset/$DB1CG/vcpu0" && echo x >"$W/cgroup/cpuset/$DB1CG/vcpu0"; }
SETUP=s_filecg IN=$IO/db1.xml row "cgroup dir is a file: started refuses" 1 1 "^vmplace: db-1: enforcement failed: .*vcpu0" "$CG" hook db-1 started begin -
SETUP=s_filecg IN=$IO/db1.xml row "cgroup dir is a file: reconnect exits 0" 0 0 "" "$CG|^$R/ledger\.json$" hook db-1 reconnect begin -
# read-only: chmod does not stop root; a read-only bind mount does
s_rocg() {
        local d=$W/cgroup/cpu/$DB1CG
        echo 4096 >"$d/cpu.shares" # drifted, so the enforcer must write
        mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"
}
c_rocg() { umount "$W/cgroup/cpu/$DB1CG"; }
if unshare -m true 2>/dev/null && s_rocg 2>/dev/null && c_rocg; then
        SETUP=s_rocg CLEANUP=c_rocg IN=$IO/db1.xml row "cgroup read-only: started refuses" 1 1 "^vmplace: db-1: enforcement failed: .*cpu\.shares.*[Rr]ead-only" "$CG" hook db-1 started begin -
        SETUP=s_rocg CLEANUP=c_rocg IN=$IO/db1.xml row "cgroup read-only: reconnect exits 0" 0 0 "" "$CG|^$R/ledger\.json$" hook db-1 reconnect begin -
        SETUP=s_rocg CLEANUP=c_rocg row "cgroup read-only: vmplace-enforce" 1 1 "^vmplace-enforce: db-1: .*cpu\.shares" "$CG" enforce db-1
else
        echo "# no read-only bind mounts here: read-only cgroup rows skipped"
fi
s_badledger() { printf '{"version": 1, "entries": [{"name": 7' >"$W/$R/ledger.json"; }
SETUP=s_badledger IN=$IO/db1.xml row "ledger corrupt: reconnect exits 0" 0 0 "" "" hook db-1 reconnect begin -
SETUP=s_badledger IN=$IO/db2.xml row "ledger corrupt: prepare refuses" 1 1 "^vmplace: db-2: .*ledger\.json" "" hook db-2 prepare begin -
SETUP=s_badledger IN=$IO/db1.xml row "ledger corrupt: started refuses" 1 1 "^vmplace: db-1: .*ledger\.json" "" hook db-1 started begin -
SETUP=s_badledger IN=$IO/db1.xml row "ledger corrupt: release exits 0" 0 0 "" "" hook db-1 release end -
SETUP=s_badledger row "ledger corrupt: vmplace status" 2 1 "ledger\.json" "" cli status
SETUP=s_badledger row "ledger corrupt: vmplace-enforce --all" 2 1 "^vmplace-enforce: .*ledger\.json" "" enforce --all
s_ledgerdir() { rm -f "$W/$R/ledger.json" && mkdir "$W/$R/ledger.json"; }
SETUP=s_ledgerdir IN=$IO/db1.xml row "ledger is a directory: reconnect exits 0" 0 0 "" "" hook db-1 reconnect begin -
s_nostate() { rm -f "$W/$R/domains/$U1.xml"; }
SETUP=s_nostate IN=$IO/db1.xml row "state file missing: started refuses" 1 1 "^vmplace: db-1: enforcement failed: .*$U1\.xml" "" hook db-1 started begin -
SETUP=s_nostate IN=$IO/db1.xml row "state file missing: reconnect exits 0 (re-planned)" 0 0 "" "^$R/" hook db-1 reconnect begin -
s_badstate() { printf '<domain><name>db-1</name>' >"$W/$R/domains/$U1.xml"; }
SETUP=s_badstate IN=$IO/db1.xml row "state file truncated: reconnect exits 0 (re-planned)" 0 0 "" "^$R/" hook db-1 reconnect begin -
# a damaged plan.json (a crash, an admin's editor): apply re-plans from the
# recorded input and reports what it changed; non-string entries are skipped
s_badplan() { printf '{"cgroup": [{"file": null, "value": 7}, {"value": "1"}, 3]}' >"$W/$R/domains/$U1.plan.json"; }
SETUP=s_badplan row "plan.json damaged: vmplace apply re-plans" 0 0 "" "^$R/" cli apply db-1
# QEMU died between prepare and started: the pid file names a dead pid
s_died() {
        "$HOOK" db-2 prepare begin - <"$IO/db2.xml"
        echo 4194099 >"$W/$L/db-2.pid"
        cp "$IO/db2.xml" "$W/$L/db-2.xml"
}
SETUP=s_died IN=$IO/db2.xml row "QEMU died before started: started refuses" 1 1 "^vmplace: db-2: enforcement failed: QEMU pid 4194099 is not running" "" hook db-2 started begin -
SETUP=s_died IN=$IO/db2.xml row "QEMU died before started: reconnect exits 0" 0 0 "" "" hook db-2 reconnect begin -
SETUP=s_died IN=$IO/db2.xml row "QEMU died before started: release frees it" 0 0 "" "$NEWSTATE" hook db-2 release end -
s_nopid() { "$HOOK" db-2 prepare begin - <"$IO/db2.xml"; }
SETUP=s_nopid IN=$IO/db2.xml row "QEMU gone (no pid file): started refuses" 1 1 "^vmplace: db-2: enforcement failed: db-2 is not running" "" hook db-2 started begin -
s_badpid() { "$HOOK" db-2 prepare begin - <"$IO/db2.xml"; printf 'garbage\n' >"$W/$L/db-2.pid"; }
SETUP=s_badpid IN=$IO/db2.xml row "pid file garbage: reconnect exits 0" 0 0 "" "" hook db-2 reconnect begin -

# --- numbers at the edges of their types ---------------------------------------
# <iothreads>65536 was in range, and the plan's per-iothread work (quadratic) kept
# the hook busy for hours while libvirt waited
domxml db-2 "$U2" 2 512 "<iothreads>65536</iothreads>" >"$IO/db2-io.xml"
IN=$IO/db2-io.xml row "XML <iothreads>65536: prepare refuses at once" 1 1 "^vmplace: db-2: <iothreads> value '65536' is out of range \(0\.\.1024\)$" "" hook db-2 prepare begin -
IN=$IO/db2-io.xml row "XML <iothreads>65536: reconnect exits 0" 0 0 "" "" hook db-2 reconnect begin -
# no <memory>: the size is the cells' sum, which wrapped past 2^64 KiB to 512 MiB
# (with 2049 cells; at most 1024 now, two still double libvirt's limit)
{ printf "<domain type='kvm'><name>db-2</name><uuid>%s</uuid><vcpu>2</vcpu><cpu><numa>" "$U2"
  printf "<cell memory='9007199254740991' unit='KiB'/>%.0s" 1 2
  printf "</numa></cpu></domain>\n"; } >"$IO/db2-cells.xml"
IN=$IO/db2-cells.xml row "XML guest cells' memory summing past libvirt's limit: prepare refuses" 1 1 "^vmplace: db-2: guest NUMA cells' memory adds up to more than libvirt's limit of 9223372036854775807 bytes$" "" hook db-2 prepare begin -
IN=$IO/db2-cells.xml row "XML guest cells' memory summing past libvirt's limit: plan --xml" 2 1 "^vmplace plan: guest NUMA cells' memory adds up to more than" "" cli plan --xml -
# each node's KiB fits int64, the entry's sum wrapped in status and --json
s_bigmem() {
        python3 -c 'import json, sys
l = json.load(open(sys.argv[1]))
l["entries"][0]["memory"] = {str(n): 9223372036854775806 for n in range(3)}
open(sys.argv[1], "w").write(json.dumps(l, indent=2))' "$W/$R/ledger.json"
}
SETUP=s_bigmem IN=$IO/db2.xml row "ledger entry's memory past a domain's: prepare refuses" 1 1 "^vmplace: db-2: .*ledger\.json: entry 0: bad 'memory' value .*: adds up to more than a domain can have \(9007199254740992 KiB\)$" "" hook db-2 prepare begin -
SETUP=s_bigmem row "ledger entry's memory past a domain's: vmplace status" 2 1 "^vmplace status: .*ledger\.json: entry 0: bad 'memory' value" "" cli status
SETUP=s_bigmem IN=$IO/db1.xml row "ledger entry's memory past a domain's: reconnect exits 0" 0 0 "" "" hook db-1 reconnect begin -

# --- a full host: every dedicated CPU held, memory exhausted per node -----------
domxml db-2 "$U2" 5 512 >"$IO/db2-5.xml"
IN=$IO/db2-5.xml row "full host: no dedicated CPUs left" 1 1 "^vmplace: db-2 \(profile db\): no NUMA node has 5 free dedicated CPUs and 512 MiB free memory .*\(node0: [0-9] CPUs, [0-9]+ MiB; node1: [0-9] CPUs, [0-9]+ MiB\)$" "" hook db-2 prepare begin -
s_nomem() {
        cp -r "$IO/sys" "$IO/sys-full" 2>/dev/null
        sed -i 's/MemFree: *[0-9]*/MemFree:  102400/' "$IO"/sys-full/devices/system/node/node*/meminfo
        export VMPLACE_SYSFS=$IO/sys-full
}
c_nomem() { export VMPLACE_SYSFS=$IO/sys; }
SETUP=s_nomem CLEANUP=c_nomem IN=$IO/db2.xml row "full host: memory exhausted on every node" 1 1 "^vmplace: db-2 \(profile db\): no NUMA node has 2 free dedicated CPUs and 512 MiB free memory.*\(node0: [0-9] CPUs, 100 MiB; node1: [0-9] CPUs, [0-9]+ MiB\)$" "" hook db-2 prepare begin -
SETUP=s_nomem CLEANUP=c_nomem IN=$IO/db2.xml row "full host: plan --xml says what was free" 1 0 "" "" cli plan --xml -
done_testing
