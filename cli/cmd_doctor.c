/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "doctor_facts.h"

static const char help[] =
    "usage: vmplace doctor [--json]\n"
    "Host settings that undo placement, each with what to do about it:\n"
    "  config              the configuration validates\n"
    "  numa-balancing      kernel.numa_balancing off while VMs are strict-bound\n"
    "  ksm-merge-nodes     KSM does not merge pages across NUMA nodes (merge_across_nodes)\n"
    "  pool-cpus           every CPU vmplace.ini and the profiles name is present and online\n"
    "  isolcpus-shared     no isolated CPU in the shared pool (isolated CPUs are not balanced)\n"
    "  isolcpus-reserved   reserved CPUs neither isolated nor nohz_full (host housekeeping)\n"
    "  isolcpus-dedicated  where the isolated CPUs are (note)\n"
    "  isolation-kernel    with isolation = host: nohz_full covers the dedicated pool\n"
    "  hook-installed      libvirt's qemu.d has an executable running vmplace-hook\n"
    "  hook-dispatcher     a libvirt older than 6.5 runs qemu.d through qemu-dispatcher\n"
    "  hook-loaded         libvirtd/virtqemud started (or reloaded) with a qemu hook present\n"
    "Statuses: ok, warn, fail, skip (a fact could not be read). --json prints\n"
    "{\"checks\": [{name, status, detail, fix}], \"problems\": N}.\n"
    "Exit 0 when nothing is warn or fail, 1 otherwise, 2 on usage errors.\n";

#define NAME_WIDTH 18
#define DETAIL_COL (5 + NAME_WIDTH + 1)
#define FIX_PREFIX "     fix: "
#define FIX_COL    10

int cmd_doctor(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0) {
                        json = true;
                } else {
                        fprintf(stderr, "vmplace doctor: unknown argument '%s'\n", argv[i]);
                        return EXIT_USAGE;
                }
        }
        vp_doctor_facts f;
        vp_doctor_facts_init(&f);
        vp_doctor_gather(p, geteuid() == 0, &f);
        vp_checks checks;
        vp_doctor_evaluate(&f, &checks);
        vp_doctor_facts_free(&f);
        size_t problems = vp_checks_problems(&checks);

        if (json) {
                json_object *arr = json_object_new_array();
                for (size_t i = 0; i < checks.n; i++) {
                        const vp_check *c = &checks.c[i];
                        json_object *o = json_object_new_object();
                        cli_json_str(o, "name", c->name);
                        cli_json_str(o, "status", vp_check_status_name(c->status));
                        cli_json_str(o, "detail", c->detail);
                        cli_json_str(o, "fix", c->fix);
                        json_object_array_add(arr, o);
                }
                json_object *o = json_object_new_object();
                json_object_object_add(o, "checks", arr);
                json_object_object_add(o, "problems", json_object_new_int64((int64_t)problems));
                cli_print_json(o);
        } else {
                for (size_t i = 0; i < checks.n; i++) {
                        const vp_check *c = &checks.c[i];
                        char name[64];
                        printf("%-4s %s ", vp_check_status_name(c->status),
                               cli_fit(c->name, NAME_WIDTH, name, sizeof(name)));
                        cli_wrap(c->detail, DETAIL_COL);
                        if (c->fix) {
                                fputs(FIX_PREFIX, stdout);
                                cli_wrap(c->fix, FIX_COL);
                        }
                }
                if (problems)
                        printf("%zu problem%s found\n", problems, problems == 1 ? "" : "s");
                else
                        printf("no problems found\n");
        }
        vp_checks_free(&checks);
        return problems ? EXIT_UNMET : EXIT_OK;
}
