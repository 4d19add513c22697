/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drift: the list of values that did not take, and the rule deciding
 * whether a value read back from a cgroup file is the one written. */
#include <string.h>

#include "drift.h"
#include "tap.h"

static void test_collapse(void)
{
        char a[] = "  100000   200000\n";
        is_str(vp_drift_collapse(a), "100000 200000", "trimmed, inner blanks one space");
        char b[] = "max\t\t100000";
        is_str(vp_drift_collapse(b), "max 100000", "a tab run is one space");
        char c[] = " \n\t ";
        is_str(vp_drift_collapse(c), "", "blanks only: empty");
        char d[] = "0-3";
        is_str(vp_drift_collapse(d), "0-3", "nothing to collapse: unchanged");
}

static void test_same(void)
{
        /* cpuset files compare as sets: the kernel prints ranges its own way */
        ok(vp_drift_same("vcpu0/cpuset.cpus", "0,1,2", "0-2\n"), "cpus: 0,1,2 is 0-2");
        ok(vp_drift_same("cpuset.mems", "0-1", "0,1"), "mems: 0-1 is 0,1");
        ok(!vp_drift_same("vcpu0/cpuset.cpus", "0-2", "0-3"), "cpus: 0-2 is not 0-3");
        ok(!vp_drift_same("cpuset.mems", "0", ""), "mems: 0 is not empty");
        ok(vp_drift_same("emulator/cpuset.cpus", "", " \n"), "an empty set read back empty");
        /* a set file with text the set parser refuses falls back to text */
        ok(!vp_drift_same("cpuset.cpus", "0-1", "garbage"), "cpus: unparsable is no match");
        /* other files compare as text, blanks collapsed */
        ok(vp_drift_same("cpu.max", "max 100000", "max  100000\n"), "cpu.max: blanks collapse");
        ok(!vp_drift_same("cpu.max", "50000 100000", "max 100000"), "cpu.max: values differ");
        ok(!vp_drift_same("cpu.shares", "0-2", "0,1,2"), "a non-set file never compares as a set");
        ok(vp_drift_same("cpu.shares", "1024", "1024\n"), "cpu.shares: the newline is no drift");
}

static void test_list(void)
{
        vp_drifts d = {0};
        vp_drifts_add(&d, "vcpu0/cpuset.cpus", "2", "0-3");
        vp_drifts_add(&d, "vcpu1 tid 42 Cpus_allowed_list", "3", "(unreadable: gone)");
        is_int(d.n, 2, "two drifts");
        is_str(d.d[0].file, "vcpu0/cpuset.cpus", "first: its file");
        is_str(d.d[0].want, "2", "what was wanted");
        is_str(d.d[0].have, "0-3", "what was read");
        is_str(d.d[1].have, "(unreadable: gone)", "second: why it could not be read");
        vp_drifts_add(&d, "cpu.shares", NULL, NULL);
        is_str(d.d[2].want, "", "NULL values are kept as empty strings");
        vp_drifts_free(&d);
        ok(d.n == 0 && d.d == NULL, "free resets");
        vp_drifts_free(&d);
        ok(d.n == 0, "and twice is fine");
}

int main(void)
{
        test_collapse();
        test_same();
        test_list();
        return tap_done();
}
