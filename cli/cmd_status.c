#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "cgwrites.h"
#include "cli.h"
#include "enforce.h"
#include "ledger.h"
#include "planjson.h"

static const char help[] =
    "usage: vmplace status [--json] [--check]\n"
    "Every ledger entry: profile, CPUs, emulator CPUs, nodes, memory and state\n"
    "(prepared, enforced, drift, unplaced, stale). For running domains the state and\n"
    "drift come from what is really there: the cgroup files and every QEMU thread's\n"
    "affinity, read now, against the recorded plan. --check exits 1 on any drift or\n"
    "stale entry.\n";

static const char *entry_state(const vp_ledger_entry *e, const vp_paths *p, int64_t now)
{
        if (now - e->created > VP_LEDGER_STALE_SECONDS &&
            !vp_ledger_entry_alive(e, p->libvirt_rundir, p->proc))
                return "stale";
        return e->state;
}

int cmd_status(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false, check = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--check") == 0)
                        check = true;
                else {
                        fprintf(stderr, "vmplace status: unknown argument '%s'\n", argv[i]);
                        return EXIT_USAGE;
                }
        }
        vp_error err = {{0}};
        vp_ledger l = {0};
        if (vp_ledger_load(p->rundir, &l, &err) < 0) {
                fprintf(stderr, "vmplace status: %s\n", err.msg);
                return EXIT_USAGE;
        }
        int64_t now = (int64_t)time(NULL);
        bool bad = false;
        json_object *arr = json ? json_object_new_array() : NULL;
        if (!json)
                printf("%-20s %-14s %-10s %-9s %-14s %-10s %-6s %s\n", "DOMAIN", "PROFILE", "STATE",
                       "KIND", "CPUS", "EMULATOR", "NODES", "MEMORY");
        for (size_t i = 0; i < l.n; i++) {
                const vp_ledger_entry *e = &l.entries[i];
                const char *state = entry_state(e, p, now);
                /* A running domain is judged by reading the kernel, the way
                 * vmplace-enforce --check does, not by what was written. */
                vp_enforce_result r = {0};
                bool running = strcmp(state, "stale") != 0 &&
                               vp_ledger_entry_alive(e, p->libvirt_rundir, p->proc);
                if (running && vp_enforce_entry(p, e, VP_ENFORCE_CHECK, &r) == 0)
                        state = r.state;
                bad |= strcmp(state, "stale") == 0 || strcmp(state, "drift") == 0;
                if (json) {
                        json_object *o = vp_json_entry(e, state);
                        json_object_object_add(o, "drift", vp_json_drifts(&r.drift));
                        if (r.error)
                                json_object_object_add(o, "error", json_object_new_string(r.error));
                        json_object_array_add(arr, o);
                } else {
                        uint64_t mem = 0;
                        for (size_t k = 0; k < e->n_mem; k++)
                                mem += e->mem[k].kib;
                        char c[64], em[64], nd[32], fn[96], fp[64], fc[64], fe[48], fnd[32];
                        printf(
                            "%s %s %-10s %-9s %s %s %s %llu MiB\n",
                            cli_fit(e->name, 20, fn, sizeof(fn)),
                            cli_fit(e->profile ? e->profile : "-", 14, fp, sizeof(fp)), state,
                            vp_entry_kind_name(e->kind),
                            cli_fit(vp_cpuset_fmt(&e->vcpu_cpus, c, sizeof(c)), 14, fc, sizeof(fc)),
                            cli_fit(vp_cpuset_fmt(&e->emulator_cpus, em, sizeof(em)), 10, fe,
                                    sizeof(fe)),
                            cli_fit(vp_cpuset_fmt(&e->nodes, nd, sizeof(nd)), 6, fnd, sizeof(fnd)),
                            (unsigned long long)(mem / 1024));
                        for (size_t k = 0; k < r.drift.n; k++)
                                printf("  drift: %-32s want %-10s have %s\n", r.drift.d[k].file,
                                       r.drift.d[k].want, r.drift.d[k].have);
                        if (r.error)
                                printf("  cannot read back: %s\n", r.error);
                }
                vp_enforce_result_free(&r);
        }
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "cgroup_version",
                                       json_object_new_int((int)vp_cgroup_detect(p->cgroup_root)));
                json_object_object_add(o, "domains", arr);
                cli_print_json(o);
        } else if (l.n == 0) {
                printf("(no managed domains)\n");
        }
        vp_ledger_free(&l);
        return check && bad ? EXIT_UNMET : EXIT_OK;
}
