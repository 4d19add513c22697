#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every rewrite the property test makes over the corpus (tests/unit/test_rewrite.c, five
# wanted tunes per file), the corpus itself and the golden files must pass libvirt's schema:
# `virt-xml-validate FILE domain`.
#
# With VMPLACE_TEST_LIBVIRT=1 and a reachable qemu:///system, each rewrite is also defined
# (under a throw-away name, then undefined) so libvirt's own parser checks what the schema
# cannot: memnodes naming existing cells, cells covering the vCPUs, pins within range.
. "$(dirname "$0")/lib.sh"

# scripts/install-deps.sh installs libvirt-clients: a missing validator is a failure
if ! command -v virt-xml-validate >/dev/null 2>&1; then
        echo "not ok 1 - virt-xml-validate not installed (package libvirt-clients)"
        exit 1
fi
bin=$VMPLACE_BUILD/tests/test_rewrite
if [ ! -x "$bin" ]; then
        echo "not ok 1 - $bin not built"
        exit 1
fi

out=$(mktemp -d /tmp/vmplace-rewrite.XXXXXX)
trap 'rm -rf "$out"' EXIT
VMPLACE_REWRITE_OUTDIR=$out "$bin" >"$out/tap.log" 2>&1
ok $? "test_rewrite ran and wrote its outputs"
n=$(ls "$out"/*.xml 2>/dev/null | wc -l)
[ "$n" -ge 200 ]
ok $? "at least 200 rewrites to validate (got $n)"

validate() { # validate FILE LABEL
        local msg
        if msg=$(virt-xml-validate "$1" domain 2>&1); then
                ok 0 "$2 validates"
        else
                ok 1 "$2 validates"
                printf '%s\n' "$msg" | sed 's/^/#   /' | head -5
        fi
}

for f in "$out"/*.xml; do
        validate "$f" "rewrite $(basename "$f")"
done
for f in "$VMPLACE_TEST_DATA"/xml/corpus/*.xml; do
        validate "$f" "corpus $(basename "$f")"
done
for f in "$VMPLACE_TEST_DATA"/xml/golden/*.xml; do
        validate "$f" "golden $(basename "$f")"
done

if [ "${VMPLACE_TEST_LIBVIRT:-0}" = 1 ]; then
        # libvirt accepts a TPM 2.0 device (the Windows and secure-boot corpus
        # files have one) only with swtpm and swtpm_setup installed: both are
        # only Recommends of libvirt-daemon-driver-qemu
        need swtpm swtpm
        need swtpm_setup swtpm-tools
        virsh -c qemu:///system version >/dev/null 2>&1 ||
                { ok 1 "VMPLACE_TEST_LIBVIRT=1 but qemu:///system does not answer"; done_testing; }
        for f in "$out"/*.xml; do
                b=$(basename "$f" .xml)
                name="vprw-$$-$(printf '%s' "$b" | md5sum | cut -c1-10)"
                # cachetune/memorytune need a KVM host; uuids would clash between the tunes
                sed -e "0,/<name>[^<]*<\/name>/s//<name>$name<\/name>/" -e 's|<uuid>[^<]*</uuid>||' \
                        -e '/<cachetune/,/<\/cachetune>/d' -e '/<memorytune/,/<\/memorytune>/d' \
                        "$f" >"$out/define.xml"
                if msg=$(virsh -c qemu:///system define "$out/define.xml" 2>&1); then
                        ok 0 "libvirt accepts $b"
                        virsh -c qemu:///system undefine --nvram "$name" >/dev/null 2>&1 ||
                                virsh -c qemu:///system undefine "$name" >/dev/null 2>&1
                else
                        ok 1 "libvirt accepts $b"
                        printf '%s\n' "$msg" | grep -i error | sed 's/^/#   /' | head -3
                fi
        done
fi
done_testing
