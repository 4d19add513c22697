/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The key table and its parsers (lib/model/conftable.c): the table
 * itself, and every range and value with its exact FILE:LINE message. */
#include "conftest.h"
#include "conftable.h"

/* ---- the table itself ---- */

static void test_table(void)
{
        size_t n, ni;
        const vp_conf_key *k = vp_conf_plain_keys(&n);
        const vp_conf_key *id = vp_conf_id_keys(&ni);
        ok(n >= 30 && ni >= 6, "the table has %zu keys and %zu id keys", n, ni);
        bool sorted = true, found = true, shape = true;
        for (size_t i = 0; i < n; i++) {
                if (i && (k[i - 1].sect > k[i].sect ||
                          (k[i - 1].sect == k[i].sect && strcmp(k[i - 1].name, k[i].name) >= 0)))
                        sorted = false;
                const vp_conf_key *row = NULL;
                unsigned idv = 99;
                vp_error err;
                if (vp_conf_key_lookup(k[i].sect, k[i].sect == VP_SECT_HOST, k[i].name, &row, &idv,
                                       &err) < 0 ||
                    row != &k[i] || idv != 0 || vp_conf_key_get(k[i].sect, k[i].name, NULL) != row)
                        found = false;
                if (!k[i].parse || k[i].suffix || !vp_conf_sect_name(k[i].sect))
                        shape = false;
        }
        ok(sorted, "plain keys sorted by (section, name), unique: lookup bisects");
        ok(found, "every plain key is found by lookup and by name");
        for (size_t i = 0; i < ni; i++) {
                char *key = vp_xasprintf("%s%u%s", id[i].name, id[i].id_hi, id[i].suffix);
                const vp_conf_key *row = NULL;
                unsigned idv = 0;
                vp_error err;
                if (vp_conf_key_lookup(id[i].sect, false, key, &row, &idv, &err) < 0 ||
                    row != &id[i] || idv != id[i].id_hi ||
                    vp_conf_key_get(id[i].sect, id[i].name, id[i].suffix) != row)
                        found = false;
                if (!id[i].parse || !id[i].suffix || !id[i].id_what)
                        shape = false;
                free(key);
        }
        ok(found, "every id key is found with its largest id");
        ok(shape,
           "every row has a parser; plain rows no suffix, id rows a suffix and a name for N");

        is_str(vp_conf_sect_name(VP_SECT_GUEST_NUMA), "guest_numa", "section name");
        ok(vp_conf_sect_name(VP_SECT_NONE) == NULL, "no name before the first section");
        is_int(vp_conf_sect_find("numatune"), VP_SECT_NUMATUNE, "section by name");
        is_int(vp_conf_sect_find("NUMATUNE"), VP_SECT_NONE, "section names are case-sensitive");

        const vp_conf_key *row;
        unsigned idv;
        vp_error err;
        is_int(vp_conf_key_lookup(VP_SECT_PLACEMENT, false, "shares", &row, &idv, &err), -EINVAL,
               "a key under the wrong header");
        is_str(err.msg, "unknown key 'shares' in [placement] (it belongs in [cputune])",
               "  names its section");
        is_int(vp_conf_key_lookup(VP_SECT_HOST, true, "shares", &row, &idv, &err), -EINVAL,
               "a profile key in vmplace.ini");
        is_str(err.msg, "unknown key 'shares' in [host]", "  gets no hint");
        is_int(vp_conf_key_lookup(VP_SECT_CPUTUNE, false, "vcpupin.01", &row, &idv, &err), -EINVAL,
               "an id with a leading zero");
        is_str(err.msg, "vcpupin.01: invalid vCPU id '01' (0..16383)", "  says the id range");

        vp_profile p = {0};
        row = vp_conf_key_get(VP_SECT_CPUTUNE, "shares", NULL);
        is_int(vp_conf_apply(row, 0, &p, "2048", &err), 0, "apply shares");
        ok(p.tune.q[VP_T_SHARES].set && p.tune.q[VP_T_SHARES].v == 2048, "  stored at its offset");
        ok(vp_conf_apply(row, 0, &p, "1", &err) < 0, "shares = 1 rejected");
        ok(p.tune.q[VP_T_SHARES].v == 2048, "  a rejected value stores nothing");
        row = vp_conf_key_get(VP_SECT_MATCH, "priority", NULL);
        is_int(vp_conf_apply(row, 0, &p, "-3", &err), 0, "apply priority");
        ok(p.priority_set && p.priority == -3, "  value and its set flag");
        row = vp_conf_key_get(VP_SECT_GUEST_NUMA, "cell.", ".memory");
        is_int(vp_conf_apply(row, 2, &p, "1GiB", &err), 0, "apply cell.2.memory");
        ok(p.cells_kind == VP_CELLS_EXPLICIT && p.tune.n_cells == 1 && p.tune.cells[0].id == 2 &&
               p.tune.cells[0].memory_kib == 1048576,
           "  a setter fills the cell of that id");
        vp_profile_free(&p);

        vp_host_config h;
        vp_host_config_init(&h);
        row = vp_conf_key_get(VP_SECT_HOST, "reserved_cpus", NULL);
        is_int(vp_conf_apply(row, 0, &h, "0-1", &err), 0, "apply reserved_cpus");
        ok(h.reserved_set && vp_cpuset_count(&h.reserved_cpus) == 2, "  the set and its flag");
        row = vp_conf_key_get(VP_SECT_HOST, "strategy", NULL);
        is_int(vp_conf_apply(row, 0, &h, "pack", &err), 0, "apply strategy");
        is_int(h.strategy, VP_STRAT_PACK, "  the enum's value");
        is_int(vp_conf_apply(row, 0, &h, "fill", &err), -EINVAL, "an unknown word");
        is_str(err.msg, "invalid value 'fill' (expected spread or pack)", "  lists the words");
        vp_host_config_free(&h);
}

/* ---- the error table: ranges and values ---- */

static const ecase ecases[] = {
    /* ranges */
    {"shares low", P("[cputune]\nshares = 1\n"),
     "profiles.d/p.ini:2: shares: 1 out of range (2..262144)", 0},
    {"shares high", P("[cputune]\nshares = 262145\n"),
     "profiles.d/p.ini:2: shares: 262145 out of range (2..262144)", 0},
    {"global_period low", P("[cputune]\nglobal_period = 999\n"),
     "profiles.d/p.ini:2: global_period: 999 out of range (1000..1000000)", 0},
    {"vcpu_period high", P("[cputune]\nvcpu_period = 1000001\n"),
     "profiles.d/p.ini:2: vcpu_period: 1000001 out of range (1000..1000000)", 0},
    {"emulator_period 0", P("[cputune]\nemulator_period = 0\n"),
     "profiles.d/p.ini:2: emulator_period: 0 out of range (1000..1000000)", 0},
    {"iothread_period not a number", P("[cputune]\niothread_period = 100ms\n"),
     "profiles.d/p.ini:2: iothread_period: '100ms' is not an integer", 0},
    {"quota 0", P("[cputune]\nvcpu_quota = 0\n"),
     "profiles.d/p.ini:2: vcpu_quota: 0 out of range (-1 for unlimited, or "
     "1000..17592186044415)",
     0},
    {"quota low", P("[cputune]\nglobal_quota = 999\n"),
     "profiles.d/p.ini:2: global_quota: 999 out of range (-1 for unlimited", 0},
    {"quota high", P("[cputune]\nemulator_quota = 17592186044416\n"),
     "profiles.d/p.ini:2: emulator_quota: 17592186044416 out of range", 0},
    {"quota huge", P("[cputune]\niothread_quota = 99999999999999999999999\n"),
     "profiles.d/p.ini:2: iothread_quota: 99999999999999999999999 out of range", 0},
    {"priority beyond int", P("[match]\npriority = 2147483648\n"),
     "profiles.d/p.ini:2: priority: 2147483648 out of range (-2147483648..2147483647)", 0},
    {"numa_nodes 0", P("[placement]\nnuma_nodes = 0\n"),
     "profiles.d/p.ini:2: numa_nodes: 0 out of range (1..64)", 0},
    {"numa_nodes 65", P("[placement]\nnuma_nodes = 65\n"),
     "profiles.d/p.ini:2: numa_nodes: 65 out of range (1..64)", 0},
    {"cells 0", P("[guest_numa]\ncells = 0\n"), "profiles.d/p.ini:2: cells: 0 out of range (1..64)",
     0},
    {"cells 65", P("[guest_numa]\ncells = 65\n"),
     "profiles.d/p.ini:2: cells: 65 out of range (1..64)", 0},
    {"cells word", P("[guest_numa]\ncells = two\n"),
     "profiles.d/p.ini:2: cells: invalid value 'two' (expected auto, none or a number of "
     "cells 1..64)",
     0},
    {"vcpupin id", P("[cputune]\nvcpupin.16384 = 1\n"),
     "profiles.d/p.ini:2: vcpupin.16384: vCPU id 16384 out of range (0..16383)", 0},
    {"vcpupin id not a number", P("[cputune]\nvcpupin.x = 1\n"),
     "profiles.d/p.ini:2: vcpupin.x: invalid vCPU id 'x' (0..16383)", 0},
    {"vcpupin id leading zero", P("[cputune]\nvcpupin.01 = 1\n"),
     "profiles.d/p.ini:2: vcpupin.01: invalid vCPU id '01'", 0},
    {"vcpupin without id", P("[cputune]\nvcpupin. = 1\n"),
     "profiles.d/p.ini:2: vcpupin.: invalid vCPU id ''", 0},
    {"iothread ids start at 1", P("[cputune]\niothreadpin.0 = 1\n"),
     "profiles.d/p.ini:2: iothreadpin.0: iothread id 0 out of range (1..16384)", 0},
    {"iothread id high", P("[cputune]\niothreadpin.16385 = 1\n"),
     "profiles.d/p.ini:2: iothreadpin.16385: iothread id 16385 out of range (1..16384)", 0},
    {"memnode id", P("[numatune]\nmemnode.64.mode = strict\n"),
     "profiles.d/p.ini:2: memnode.64.mode: guest cell id 64 out of range (0..63)", 0},
    {"negative cell id", P("[guest_numa]\ncell.-1.cpus = 0\n"),
     "profiles.d/p.ini:2: cell.-1.cpus: invalid guest cell id '-1' (0..63)", 0},
    /* values */
    {"bad vcpus", P("[cputune]\nvcpus = 0-\n"),
     "profiles.d/p.ini:2: vcpus: invalid cpuset '0-': range without end", 0},
    {"emulatorpin beyond the limit", P("[cputune]\nemulatorpin = 4096\n"),
     "profiles.d/p.ini:2: emulatorpin: invalid cpuset '4096': number out of range (max 4095)", 0},
    {"pin that selects nothing", P("[cputune]\nvcpupin.0 = ^1\n"),
     "profiles.d/p.ini:2: vcpupin.0: invalid cpuset '^1': selects nothing", 0},
    {"iothreadpin reversed", P("[cputune]\niothreadpin.1 = 3-1\n"),
     "profiles.d/p.ini:2: iothreadpin.1: invalid cpuset '3-1': range 3-1 is reversed", 0},
    {"nodeset beyond 1023", P("[numatune]\nnodeset = 1024\n"),
     "profiles.d/p.ini:2: nodeset: invalid cpuset '1024': number out of range (max 1023)", 0},
    {"nodeset word", P("[numatune]\nnodeset = all\n"),
     "profiles.d/p.ini:2: nodeset: invalid cpuset 'all'", 0},
    {"memnode nodeset", P("[numatune]\nmemnode.0.nodeset = 1,\n"),
     "profiles.d/p.ini:2: memnode.0.nodeset: invalid cpuset '1,'", 0},
    {"memnode mode", P("[numatune]\nmemnode.0.mode = auto\n"),
     "profiles.d/p.ini:2: memnode.0.mode: invalid value 'auto' (expected strict, preferred, "
     "interleave or restrictive)",
     0},
    {"numatune mode", P("[numatune]\nmode = bind\n"),
     "profiles.d/p.ini:2: mode: invalid value 'bind' (expected strict, preferred, "
     "interleave or restrictive)",
     0},
    {"cell cpus", P("[guest_numa]\ncell.0.cpus = x\ncell.0.memory = 1GiB\n"),
     "profiles.d/p.ini:2: cell.0.cpus: invalid cpuset 'x'", 0},
    {"cell memory 0", P("[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 0\n"),
     "profiles.d/p.ini:3: cell.0.memory: a guest cell needs more than 0 KiB", 0},
    {"cell memory unit", P("[guest_numa]\ncell.0.cpus = 0\ncell.0.memory = 2GB\n"),
     "profiles.d/p.ini:3: cell.0.memory: '2GB': unknown unit 'GB' (use KiB, MiB, GiB or TiB)", 0},
    {"reserved_memory fraction", H("[host]\nreserved_memory = 1.5GiB\n"),
     "vmplace.ini:2: reserved_memory: '1.5GiB' is not a size", 0},
    {"reserved_cpus limit", H("[host]\nreserved_cpus = 0-4096\n"),
     "vmplace.ini:2: reserved_cpus: invalid cpuset '0-4096': number out of range (max 4095)", 0},
    {"dedicated_cpus syntax", H("[host]\ndedicated_cpus = 2-x\n"),
     "vmplace.ini:2: dedicated_cpus: invalid cpuset '2-x'", 0},
    {"shared_cpus selects nothing", H("[host]\nshared_cpus = 1,^1\n"),
     "vmplace.ini:2: shared_cpus: invalid cpuset '1,^1': selects nothing", 0},
    {"host on_error", H("[host]\non_error = Refuse\n"),
     "vmplace.ini:2: on_error: invalid value 'Refuse' (expected refuse or warn)", 0},
    {"host strategy", H("[host]\nstrategy = fill\n"),
     "vmplace.ini:2: strategy: invalid value 'fill' (expected spread or pack)", 0},
    {"profile on_error", P("[profile]\non_error = ignore\n"),
     "profiles.d/p.ini:2: on_error: invalid value 'ignore' (expected refuse or warn)", 0},
    {"profile strategy", P("[placement]\nstrategy = Pack\n"),
     "profiles.d/p.ini:2: strategy: invalid value 'Pack' (expected spread or pack)", 0},
    {"cpu_policy", P("[placement]\ncpu_policy = exclusive\n"),
     "profiles.d/p.ini:2: cpu_policy: invalid value 'exclusive' (expected none, shared or "
     "dedicated)",
     0},
    {"thread_policy", P("[placement]\ncpu_policy = dedicated\nthread_policy = avoid\n"),
     "profiles.d/p.ini:3: thread_policy: invalid value 'avoid' (expected prefer, isolate or "
     "require)",
     0},
    {"emulator_policy", P("[placement]\ncpu_policy = dedicated\nemulator_policy = shared\n"),
     "profiles.d/p.ini:3: emulator_policy: invalid value 'shared' (expected share or "
     "isolate)",
     0},
    {"isolation", P("[placement]\ncpu_policy = dedicated\nisolation = full\n"),
     "profiles.d/p.ini:3: isolation: invalid value 'full' (expected none or host)", 0},
    {"empty glob", P("[match]\nnames = db-*, ,pg\n"),
     "profiles.d/p.ini:2: names: empty glob in 'db-*, ,pg'", 0},
    {"trailing comma in names", P("[match]\nnames = db-*,\n"),
     "profiles.d/p.ini:2: names: empty glob in 'db-*,'", 0},
    {"metadata two words", P("[match]\nmetadata = data base\n"),
     "profiles.d/p.ini:2: metadata: 'data base' is not one word", 0},
    {"include not a name", P("[profile]\ninclude = ../etc/x\n"),
     "profiles.d/p.ini:2: include: '../etc/x' is not a profile name", 0},
    {"default_profile not a name", H("[host]\ndefault_profile = a b\n"),
     "vmplace.ini:2: default_profile: 'a b' is not a profile name", 0},
};

static void test_errors(void)
{
        run_ecases(ecases, VP_ARRAY_SIZE(ecases));
}

int main(void)
{
        umask(022);
        test_table();
        test_errors();
        return tap_done();
}
