/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks between keys (lib/model/confcheck.c), each with its exact
 * FILE:LINE message; tie warnings are in test_confmatch.c. */
#include "conftest.h"

/* ---- the error table: between keys, the default profile ---- */

static const ecase ecases[] = {
    /* references */
    {"default_profile missing", H("[host]\non_error = warn\ndefault_profile = nosuch\n"),
     "vmplace.ini:3: default_profile: no profile 'nosuch' (no profiles.d/nosuch.ini)", 0},
    /* between keys */
    {"cells with cell.N", P("[guest_numa]\ncells = 2\ncell.0.cpus = 0\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: cells: cannot be combined with explicit cell.N.* keys (cell.0.cpus "
     "at line 3)",
     0},
    {"cell without memory", P("[guest_numa]\ncell.0.cpus = 0-1\n"),
     "profiles.d/p.ini:2: cell.0.cpus: cell 0 has no cell.0.memory (a cell needs both)", 0},
    {"cell without cpus", P("[guest_numa]\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: cell.0.memory: cell 0 has no cell.0.cpus (a cell needs both)", 0},
    {"cell ids with a gap",
     P("[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 1GiB\ncell.2.cpus = 1\n"
       "cell.2.memory = 1GiB\n"),
     "profiles.d/p.ini:4: cell.2.cpus: guest cell ids must be contiguous from 0 (no cell.1.*)", 0},
    {"cells overlap",
     P("[guest_numa]\ncell.0.cpus = 0-1\ncell.0.memory = 1GiB\ncell.1.cpus = 1-2\n"
       "cell.1.memory = 1GiB\n"),
     "profiles.d/p.ini:4: cell.1.cpus: overlaps cell.0.cpus on vCPUs 1", 0},
    {"thread_policy without cpu_policy", P("[placement]\nthread_policy = isolate\n"),
     "profiles.d/p.ini:2: thread_policy: only meaningful with cpu_policy = dedicated "
     "(cpu_policy is not set)",
     0},
    {"emulator_policy with shared",
     P("[placement]\ncpu_policy = shared\nemulator_policy = isolate\n"),
     "profiles.d/p.ini:3: emulator_policy: only meaningful with cpu_policy = dedicated "
     "(cpu_policy is shared)",
     0},
    {"isolation without dedicated", P("[placement]\ncpu_policy = shared\nisolation = host\n"),
     "profiles.d/p.ini:3: isolation: isolation = host needs cpu_policy = dedicated "
     "(cpu_policy is shared)",
     0},
    {"inherited isolation, child changes cpu_policy",
     {{"profiles.d/base.ini", "[placement]\ncpu_policy = dedicated\nisolation = host\n"},
      {"profiles.d/child.ini", "[profile]\ninclude = base\n[placement]\ncpu_policy = none\n"}},
     "profiles.d/base.ini:3: isolation: isolation = host needs cpu_policy = dedicated "
     "(cpu_policy is none) (in profile 'child', which includes this one)",
     0},
    {"inherited thread_policy, child changes cpu_policy",
     {{"profiles.d/base.ini", "[placement]\ncpu_policy = dedicated\nthread_policy = isolate\n"},
      {"profiles.d/child.ini", "[profile]\ninclude = base\n[placement]\ncpu_policy = none\n"}},
     "profiles.d/base.ini:3: thread_policy: only meaningful with cpu_policy = dedicated "
     "(cpu_policy is none) (in profile 'child', which includes this one)",
     0},
    {"numa_nodes vs cells", P("[placement]\nnuma_nodes = 2\n[guest_numa]\ncells = 3\n"),
     "profiles.d/p.ini:4: cells: 3 cells but numa_nodes = 2 (guest cells map 1:1 to host "
     "nodes)",
     0},
    {"numa_nodes vs explicit cells",
     P("[placement]\nnuma_nodes = 2\n[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: numa_nodes: 2 host nodes but 1 explicit guest cells", 0},
    {"memnode beyond cells", P("[numatune]\nmemnode.2.mode = strict\n[guest_numa]\ncells = 2\n"),
     "profiles.d/p.ini:2: memnode.2.mode: no guest cell 2 (cells = 2)", 0},
    {"memnode without guest NUMA",
     P("[numatune]\nmemnode.0.nodeset = 0\n[guest_numa]\ncells = none\n"),
     "profiles.d/p.ini:2: memnode.0.nodeset: no guest cell 0 (cells = none)", 0},
    {"memnode beyond auto cells",
     P("[numatune]\nmemnode.1.mode = strict\n[guest_numa]\ncells = auto\n"),
     "profiles.d/p.ini:2: memnode.1.mode: no guest cell 1 (cells = auto with numa_nodes = 1)", 0},
    {"reserved overlaps dedicated", H("[host]\nreserved_cpus = 0-1\ndedicated_cpus = 1-3\n"),
     "vmplace.ini:3: dedicated_cpus: overlaps reserved_cpus (line 2) on CPUs 1", 0},
    {"reserved overlaps shared", H("[host]\nshared_cpus = 0-7\nreserved_cpus = 0,2\n"),
     "vmplace.ini:2: shared_cpus: overlaps reserved_cpus (line 3) on CPUs 0,2", 0},
};

/* isolation = host on a dedicated profile: valid, with a warning until the
 * agent applies it (docs/isolation.md) */
static void test_isolation_warning(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "vmplace.ini", "[host]\nreserved_cpus = 0\n");
        put(t.dir, "profiles.d/iso.ini", "[placement]\ncpu_policy = dedicated\nisolation = host\n");
        load(&t, false);
        is_int(t.r, 0, "isolation = host with dedicated loads");
        is_int((int)t.d.n_errors, 0, "no error");
        is_int((int)t.d.n_warnings, 1, "one warning");
        has_warning_at(&t,
                       "profiles.d/iso.ini:3: isolation = host: vmplace-agent moves IRQs and the "
                       "unbound workqueues off this profile's CPUs; host tasks are not moved yet",
                       "it says what isolation does not do yet, at the key's line");
        const vp_profile *p = vp_config_profile(t.c, "iso");
        ok(p && p->isolation == VP_ISOLATION_HOST, "the profile has isolation = host");
        tree_done(&t);
}

int main(void)
{
        umask(022);
        run_ecases(ecases, VP_ARRAY_SIZE(ecases));
        test_isolation_warning();
        return tap_done();
}
