#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man page documents every command the CLI has (issue "Operate": every
# command has --help and a man page section), and renders without warnings.
. "$(dirname "$0")/lib.sh"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
# the decisions below are on a fake host: no VM libvirt runs here may count
mkdir "$W/lvrun"
export VMPLACE_LIBVIRT_RUNDIR=$W/lvrun
MAN=$VMPLACE_SRC/man/vmplace.8
cmds=$("$CLI" --help | awk '/^  [a-z]+ / {print $1}')
ok "$([ -n "$cmds" ]; echo $?)" "vmplace --help lists commands"
for c in $cmds; do
        grep -q "^\.SS $c\$" "$MAN"; ok $? "vmplace.8 has a section for '$c'"
        "$CLI" "$c" --help >"$W/h" 2>&1 || true
        like "$(head -1 "$W/h" 2>/dev/null)" "usage: vmplace $c" "vmplace $c --help prints its usage"
done
# vmplace-enforce.8 names every option of the program's usage text.
for o in $("$ENFORCE" --help | grep -o -- '--[a-z]*' | sort -u); do
        grep -q -- "${o//-/\\\\-}" "$VMPLACE_SRC/man/vmplace-enforce.8"
        ok $? "vmplace-enforce.8 documents $o"
done
# vmplace-agent.8 names every option of the agent's usage text (once the
# agent is built: agent/ is optional in the tree, its man page is not).
if [ -x "$AGENT" ]; then
        for o in $("$AGENT" --help | grep -oE -- '(^|[[ (|])--?[a-z][a-z-]*' | sed 's/^[[ (|]//' | sort -u); do
                grep -q -- "${o//-/\\\\-}" "$VMPLACE_SRC/man/vmplace-agent.8"
                ok $? "vmplace-agent.8 documents $o"
        done
fi
grep -q '^\.BR vmplace\\-agent (8),$' "$MAN"
ok $? "vmplace.8 points to vmplace-agent(8)"
sections=$(awk '/^\.SH COMMANDS/ {on=1; next} /^\.SH/ {on=0} on && /^\.SS/ {print $2}' "$MAN" | sort | tr '\n' ' ')
is "$sections" "$(echo "$cmds" | sort | tr '\n' ' ')" "and no section for a command that does not exist"
if command -v groff >/dev/null; then
        warn=$(groff -man -ww -z "$MAN" 2>&1)
        is "$warn" "" "groff -ww renders it without warnings"
        warn=$(groff -man -ww -z "$VMPLACE_SRC/man/vmplace-enforce.8" 2>&1)
        is "$warn" "" "groff -ww renders vmplace-enforce.8 without warnings"
        for m in vmplace-hook.8 vmplace-agent.8 vmplace.ini.5; do
                warn=$(groff -man -ww -z "$VMPLACE_SRC/man/$m" 2>&1)
                is "$warn" "" "groff -ww renders $m without warnings"
        done
fi
if command -v man >/dev/null; then
        for m in vmplace-hook.8 vmplace-agent.8 vmplace.ini.5; do
                txt=$(MANWIDTH=80 man -l "$VMPLACE_SRC/man/$m" 2>&1)
                like "$txt" "SEE ALSO" "man -l renders $m"
        done
fi

# ---- vmplace.ini(5) against lib/model/conftable.c ------------------------
# The keys come from the parser's own tables (keys, idkeys) and from the
# man page's entries (a .TP tag "key = VALUES" under .SS [section]); ids are
# written N on both sides.
M5=$VMPLACE_SRC/man/vmplace.ini.5
mk() { python3 "$VMPLACE_SRC/tests/sh/mankeys.py" "$@"; }
mk code "$VMPLACE_SRC/lib/model/conftable.c" | sort >"$W/code"
mk keys "$M5" >"$W/doc"
cut -f1,2 "$W/doc" | sort >"$W/dockeys"
ok "$([ "$(wc -l <"$W/code")" -ge 30 ]; echo $?)" "lib/model/conftable.c's key tables read ($(wc -l <"$W/code") keys)"
is "$(comm -23 "$W/code" "$W/dockeys" | tr '\t\n' '  ')" "" "every key of the parser is in vmplace.ini.5 under its section"
is "$(comm -13 "$W/code" "$W/dockeys" | tr '\t\n' '  ')" "" "vmplace.ini.5 documents no key the parser does not know"

# Each documented key through `vmplace validate`: every profile case is a
# file of its own in one config directory, validated once, and judged by the
# errors naming that file; [host] cases each get a directory of their own.
C=$W/conf
mkdir -p "$C/profiles.d" "$W/hc/profiles.d"
chmod 755 "$C" "$C/profiles.d" "$W/hc" "$W/hc/profiles.d"
printf '[profile]\ndescription = included by the test\n' >"$C/profiles.d/base.ini"
cp "$C/profiles.d/base.ini" "$W/hc/profiles.d/"
chmod 644 "$C/profiles.d/base.ini" "$W/hc/profiles.d/base.ini"
n=0
# judge FILE EXPECT DESC ERRORS: EXPECT is ok (no error for FILE), !TEXT (no
# error for FILE says TEXT) or TEXT (an error for FILE says it)
judge() {
        local errs
        errs=$(grep -F "$1:" "$4" | grep -v '^warning')
        case $2 in
        ok) is "$errs" "" "$3" ;;
        !*) ok "$(case $errs in *"${2#!}"*) echo 1 ;; *) echo 0 ;; esac)" "$3" ;;
        *) like "$errs" "$2" "$3" ;;
        esac
}
# case_ EXPECT DESC SECTION KEY VALUE [EXTRA-LINE...]
case_() {
        local exp=$1 desc=$2 sect=$3 key=$4 val=$5 f
        shift 5
        n=$((n + 1))
        if [ "$sect" = host ]; then f=$W/hc/vmplace.ini; else f=$C/profiles.d/c$(printf %03d $n).ini; fi
        { printf '[%s]\n%s = %s\n' "$sect" "$key" "$val"; printf '%s\n' "$@"; } >"$f"
        chmod 644 "$f"
        if [ "$sect" = host ]; then
                VMPLACE_CONFDIR=$W/hc "$CLI" validate >"$W/hv" 2>&1
                judge "$f" "$exp" "$desc" "$W/hv"
        else
                printf '%s\t%s\t%s\n' "$f" "$exp" "$desc" >>"$W/cases"
        fi
}
# a valid value for a documented type
sample() {
        case $1 in
        cpu-list | node-list) echo 0 ;; size) echo 1GiB ;; glob-list) echo 'db-*, pg-??' ;;
        word) echo database ;; profile-name) echo base ;; text) echo a free text ;;
        esac
}
# what else a key needs to be valid on its own
needs() {
        case $1 in
        thread_policy | emulator_policy | isolation) echo "cpu_policy = dedicated" ;;
        cell.0.cpus) echo "cell.0.memory = 1GiB" ;; cell.0.memory) echo "cell.0.cpus = 0" ;;
        esac
}
: >"$W/cases"
while IFS=$'\t' read -r sect key vals range def; do
        k=${key//N/0}
        [ "$key" = iothreadpin.N ] && k=iothreadpin.1
        IFS='|' read -ra choices <<<"$vals"
        for v in "${choices[@]}"; do
                case $v in integer) v=${range##*..} ;; *-list | size | word | profile-name | text) v=$(sample "$v") ;; esac
                case_ ok "[$sect] $k = $v is accepted" "$sect" "$k" "$v" "$(needs "$k")"
        done
        if [ "${#choices[@]}" -gt 1 ]; then # a choice of words: others are refused
                case_ "$k: invalid" "[$sect] $k = bogus is rejected" "$sect" "$k" bogus "$(needs "$k")"
        fi
        [ "$range" != - ] || continue
        lo=${range%%..*} hi=${range##*..}
        if [[ "$key" == *N* ]]; then
                # the documented id range: hi is a known id, hi+1 and lo-1 are not
                v=$(sample "${vals%%|*}")
                case_ '!out of range' "[$sect] ${key//N/$hi}: id $hi is in range" "$sect" "${key//N/$hi}" "${v:-strict}"
                case_ "out of range" "[$sect] ${key//N/$((hi + 1))}: id $((hi + 1)) is out of range" \
                        "$sect" "${key//N/$((hi + 1))}" "${v:-strict}"
                case_ "${key//N/$((lo - 1))}: " "[$sect] ${key//N/$((lo - 1))}: id $((lo - 1)) is rejected" \
                        "$sect" "${key//N/$((lo - 1))}" "${v:-strict}"
                continue
        fi
        if [[ "$lo" == "-1|"* ]]; then # quotas: -1, or lo..hi
                lo=${lo#-1|}
                case_ ok "[$sect] $k = -1 (unlimited) is accepted" "$sect" "$k" -1
        fi
        case_ ok "[$sect] $k = $lo (documented minimum) is accepted" "$sect" "$k" "$lo"
        case_ "out of range" "[$sect] $k = $((lo - 1)) (below the minimum) is rejected" "$sect" "$k" "$((lo - 1))"
        case_ "out of range" "[$sect] $k = $((hi + 1)) (above the maximum) is rejected" "$sect" "$k" "$((hi + 1))"
done <"$W/doc"
for sect in host match profile cputune placement numatune guest_numa; do
        case_ "unknown key 'no_such_key' in [$sect]" "[$sect] an unknown key is rejected" "$sect" no_such_key 1
done
VMPLACE_CONFDIR=$C "$CLI" validate >"$W/v" 2>&1
ok "$([ "$(wc -l <"$W/cases")" -ge 100 ]; echo $?)" "$(wc -l <"$W/cases") profile cases validated at once"
while IFS=$'\t' read -r f exp desc; do
        judge "$f" "$exp" "$desc" "$W/v"
done <"$W/cases"

# ---- documented defaults are the defaults the code applies -----------------
# For each key whose man page entry says "Default: X.", the decision with the
# key unset equals the decision with key = X, and a different value changes
# it (so the comparison can see the key at all). Fake 2-node SMT host:
# node0 CPUs 0-1,4-5 30720 MiB free, node1 2-3,6-7 28672 MiB free.
rm -f "$C/profiles.d/"*.ini
export VMPLACE_SYSFS=$VMPLACE_TEST_DATA/topo/2node-smt
default_of() { awk -F'\t' -v s="$1" -v k="$2" '$1 == s && $2 == k {print $5}' "$W/doc"; }
# decide HOST-LINES PROFILE-LINES VCPUS MIB [B-PROFILE-LINES]: the plan's
# profile, nodes, CPUs and refusal for domain dflt-1, and the hook's exit
decide() {
        printf '[host]\n%b\n' "$1" >"$C/vmplace.ini"
        printf '[match]\nnames = dflt-*\n%b\n' "$2" >"$C/profiles.d/a.ini"
        rm -f "$C/profiles.d/b.ini"
        [ -z "${5:-}" ] || printf '[match]\nnames = dflt-*\n%b\n' "$5" >"$C/profiles.d/b.ini"
        chmod 644 "$C/vmplace.ini" "$C"/profiles.d/*.ini
        domxml dflt-1 "$(uuidn 7)" "$3" "$4" >"$W/dom.xml"
        VMPLACE_CONFDIR=$C "$CLI" plan --json --xml "$W/dom.xml" 2>/dev/null |
                jget - '[j["profile"], j.get("kind"), j["host_nodes"], j.get("cpus"), j.get("emulator_cpus"), j.get("refusal")]'
        rm -rf "$W/run"
        VMPLACE_CONFDIR=$C VMPLACE_RUNDIR=$W/run "$HOOK" dflt-1 prepare begin - <"$W/dom.xml" 2>/dev/null
        echo "hook exit $?"
}
# check_default SECTION KEY ALT VCPUS MIB [OTHER-PROFILE-LINES]
check_default() {
        local sect=$1 key=$2 alt=$3 vcpus=$4 mib=$5 other=${6:-} def unset set altv h p
        def=$(default_of "$sect" "$key")
        ok "$([ -n "$def" ] && [ "$def" != - ]; echo $?)" "vmplace.ini.5 gives [$sect] $key a default ($def)"
        for v in "" "$def" "$alt"; do
                h="" p="[placement]\n$other"
                [ -n "$v" ] && if [ "$sect" = host ]; then h="$key = $v"; else p="$p\n$key = $v"; fi
                decide "$h" "$p" "$vcpus" "$mib" >"$W/out.${v:-unset}"
        done
        unset=$(cat "$W/out.unset") set=$(cat "$W/out.$def") altv=$(cat "$W/out.$alt")
        is "$unset" "$set" "[$sect] $key unset decides as $key = $def"
        ok "$([ "$unset" != "$altv" ]; echo $?)" "[$sect] $key = $alt decides otherwise (the key is seen)"
}
check_default host reserved_memory 1GiB 2 30720 "cpu_policy = dedicated"
check_default host strategy pack 2 1024 "cpu_policy = dedicated"
check_default host on_error warn 9 1024 "cpu_policy = dedicated"
check_default placement cpu_policy shared 2 1024
check_default placement thread_policy isolate 2 1024 "cpu_policy = dedicated"
check_default placement emulator_policy isolate 2 1024 "cpu_policy = dedicated"
check_default placement numa_nodes 2 2 1024 "cpu_policy = dedicated"
# priority decides between profiles: a with it unset and a with the
# documented default meet b at priorities around it
def=$(default_of match priority)
is "$def" 0 "vmplace.ini.5 gives [match] priority default 0"
for bp in -1 0 1; do
        is "$(decide "" "" 1 64 "priority = $bp")" "$(decide "" "priority = $def" 1 64 "priority = $bp")" \
                "[match] priority unset ranks as $def against priority $bp"
done
like "$(decide "" "" 1 64 "priority = 1")" '"b"' "a higher priority wins (the comparison sees priority)"

# ---- vmplace-hook.8: every operation of the hook ---------------------------
# From the hook's own usage text, and from SPEC section 4's table when the
# spec is beside the repository.
M8H=$VMPLACE_SRC/man/vmplace-hook.8
mk ops "$M8H" >"$W/ops"
hops=$("$HOOK" --help | grep -o '[a-z|]\+ \(begin\|end\)' | while read -r o s; do
        for x in ${o//|/ }; do echo "$x $s"; done
done)
spec=${VMPLACE_SPEC:-$VMPLACE_SRC/../shared/spec/SPEC.md}
sops=""
if [ -r "$spec" ]; then
        sops=$(awk '/^## 4\./ {on=1; next} /^## / {on=0} on && /^\| `/' "$spec" | grep -o '`[a-z]\+ [a-z]\+`' | tr -d '`')
        ok "$([ "$(echo "$sops" | wc -l)" -ge 9 ]; echo $?)" "SPEC section 4 lists the hook's operations"
fi
for o in $(printf '%s\n%s\n' "$hops" "$sops" | sort -u | tr ' ' '+'); do
        grep -qx "${o//+/ }" "$W/ops"
        ok $? "vmplace-hook.8 documents '${o//+/ }' under OPERATIONS"
done
ok "$(grep -qx 'anything else' "$W/ops"; echo $?)" "vmplace-hook.8 says what every other operation does"
for v in VMPLACE_CONFDIR VMPLACE_RUNDIR VMPLACE_SYSFS VMPLACE_CGROUP_ROOT VMPLACE_PROC VMPLACE_LIBVIRT_RUNDIR; do
        grep -q "^\.B $v\$" "$M8H"
        ok $? "vmplace-hook.8 documents $v"
done

done_testing
