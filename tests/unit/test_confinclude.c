/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Include chains (lib/model/confinclude.c): what a profile inherits, and
 * the cycle and missing-profile errors. */
#include "conftest.h"

/* ---- includes ---- */

static void test_includes(void)
{
        tree t = {.dir = mktree()};
        put(t.dir, "profiles.d/base.ini",
            "[profile]\ndescription = base\non_error = warn\n"
            "[cputune]\nshares = 1024\nvcpupin.0 = 1\nvcpupin.1 = 2\nemulatorpin = 3\n"
            "[placement]\ncpu_policy = dedicated\nthread_policy = require\n"
            "[numatune]\nmemnode.0.mode = strict\nmemnode.0.nodeset = 0\nnodeset = 0-1\n"
            "[guest_numa]\ncell.0.cpus = 0-1\ncell.0.memory = 1GiB\n"
            "cell.1.cpus = 2-3\ncell.1.memory = 1GiB\n");
        put(t.dir, "profiles.d/mid.ini",
            "[profile]\ninclude = base\ndescription =\n"
            "[cputune]\nshares = 2048\nvcpupin.1 = 5\nvcpupin.2 = 6\nemulatorpin =\n"
            "[numatune]\nmemnode.0.mode = interleave\nnodeset = auto\n"
            "[guest_numa]\ncell.1.memory = 2GiB\n");
        put(t.dir, "profiles.d/top.ini",
            "[match]\nnames = top-*\n[profile]\ninclude = mid\n[cputune]\nvcpupin.3 = 7\n");
        put(t.dir, "profiles.d/top2.ini", "[profile]\ninclude = mid\n[guest_numa]\ncells = 2\n");
        put(t.dir, "profiles.d/top3.ini",
            "[profile]\ninclude = mid\n[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 512MiB\n");
        load(&t, false);
        is_int(t.r, 0, "include chain loads");
        no_problems(&t.d, "include chain: clean");
        const vp_profile *top = vp_config_profile(t.c, "top");
        ok(top != NULL, "top found");
        if (top) {
                const vp_tune *u = &top->tune;
                is_str(top->include, "mid", "include is the profile's own");
                ok(top->n_names == 1 && !strcmp(top->names[0], "top-*"), "names overridden");
                ok(top->description == NULL, "description reset by mid's empty value");
                is_int(top->on_error, VP_ONERR_WARN, "on_error from base, 3 levels up");
                ok(u->q[VP_T_SHARES].v == 2048, "shares from mid");
                is_int(u->n_vcpupin, 4, "vcpupin merged per id");
                is_str(pin(u->vcpupin, u->n_vcpupin, 0), "1", "vcpupin.0 from base");
                is_str(pin(u->vcpupin, u->n_vcpupin, 1), "5", "vcpupin.1 from mid");
                is_str(pin(u->vcpupin, u->n_vcpupin, 2), "6", "vcpupin.2 from mid");
                is_str(pin(u->vcpupin, u->n_vcpupin, 3), "7", "vcpupin.3 own");
                ok(!u->emulatorpin_set, "emulatorpin reset by mid's empty value");
                is_int(top->cpu_policy, VP_CPU_DEDICATED, "cpu_policy from base");
                is_int(top->thread_policy, VP_THREAD_REQUIRE, "thread_policy from base");
                is_int(top->nodeset_kind, VP_NODESET_AUTO, "nodeset auto from mid");
                ok(!u->nodeset_set, "no list with auto");
                is_int(u->n_memnodes, 1, "one memnode");
                if (u->n_memnodes == 1) {
                        is_int(u->memnodes[0].mode, VP_MEM_INTERLEAVE, "memnode mode from mid");
                        ok(u->memnodes[0].nodeset_set, "memnode nodeset from base (per key)");
                }
                is_int(top->cells_kind, VP_CELLS_EXPLICIT, "explicit cells inherited");
                is_int(u->n_cells, 2, "two cells");
                if (u->n_cells == 2) {
                        ok(u->cells[0].memory_kib == 1048576, "cell 0 memory from base");
                        ok(u->cells[1].memory_kib == 2097152, "cell 1 memory from mid");
                        is_str(fmt(&u->cells[1].cpus), "2-3", "cell 1 cpus from base");
                }
        }
        const vp_profile *t2 = vp_config_profile(t.c, "top2");
        ok(t2 && t2->cells_kind == VP_CELLS_COUNT && t2->cells_count == 2 && t2->tune.n_cells == 0,
           "cells = N drops inherited explicit cells");
        const vp_profile *t3 = vp_config_profile(t.c, "top3");
        ok(t3 && t3->cells_kind == VP_CELLS_EXPLICIT && t3->tune.n_cells == 2 &&
               t3->tune.cells[0].memory_kib == 524288 && t3->tune.cells[1].memory_kib == 2097152,
           "explicit cells merge per key");
        tree_done(&t);
}

/* ---- the error table: references ---- */

static const ecase ecases[] = {
    /* references */
    {"missing include", P("[profile]\ninclude = missing\n"),
     "profiles.d/p.ini:2: include: no profile 'missing' (no profiles.d/missing.ini)", 0},
    {"include with .ini", P("[profile]\ninclude = p.ini\n"),
     "profiles.d/p.ini:2: include: no profile 'p.ini' (no profiles.d/p.ini.ini); write the "
     "name without .ini",
     0},
    {"self include", P("[profile]\ninclude = p\n"), "profiles.d/p.ini:2: include cycle: p -> p", 0},
    {"include cycle",
     {{"profiles.d/a.ini", "[profile]\ninclude = b\n"},
      {"profiles.d/b.ini", "[match]\nnames = b\n[profile]\ninclude = a\n"}},
     "profiles.d/a.ini:2: include cycle: a -> b -> a",
     2},
    {"include cycle, other member",
     {{"profiles.d/a.ini", "[profile]\ninclude = b\n"},
      {"profiles.d/b.ini", "[match]\nnames = b\n[profile]\ninclude = a\n"}},
     "profiles.d/b.ini:4: include cycle: b -> a -> b",
     2},
    {"three-profile cycle entered from outside",
     {{"profiles.d/a.ini", "[profile]\ninclude = b\n"},
      {"profiles.d/b.ini", "[profile]\ninclude = c\n"},
      {"profiles.d/c.ini", "[profile]\ninclude = b\n"}},
     "profiles.d/c.ini:2: include cycle: c -> b -> c",
     2},
};

static void test_errors(void)
{
        run_ecases(ecases, VP_ARRAY_SIZE(ecases));
}

int main(void)
{
        umask(022);
        test_includes();
        test_errors();
        return tap_done();
}
