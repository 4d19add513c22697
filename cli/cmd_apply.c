/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmplace apply: arguments, the domains to apply, and the printing of each
 * one's result; the operation itself is vp_op_apply (lib/ops/apply.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "ledgerstore.h"
#include "op.h"
#include "planjson.h"
#include "running.h"
#include "virtview.h"

static const char help[] =
    "usage: vmplace apply [--json] [-c URI] (DOMAIN... | --all)\n"
    "Re-plan running domains with the profiles as they are now and enforce the result\n"
    "live: cgroup values, vCPU/emulator/iothread pinning and memory nodes, read back to\n"
    "verify. A dedicated VM keeps its CPUs when they still fit its profile. Drift made\n"
    "behind vmplace's back (virsh schedinfo/vcpupin --live, taskset) is repaired.\n"
    "What only acts when QEMU starts (guest NUMA cells, memnode binding, preferred or\n"
    "interleave policy) is listed as launch-only: run vmplace sync, then restart the VM.\n"
    "A domain that no longer matches a profile is released from the ledger (its cgroup\n"
    "values stay until it restarts). A placement that cannot be satisfied changes nothing.\n"
    "libvirt's live definition is then told the placement (virsh vcpupin, numatune,\n"
    "schedinfo, dumpxml show it), through libvirt's API at URI (-c; default:\n"
    "libvirt's default).\n"
    "--all: every domain in the ledger and every domain libvirt runs.\n"
    "Exit 1 when a domain was refused, not running or could not be enforced, or\n"
    "libvirt refused its placement.\n";

/* What telling libvirt did for one applied domain. */
typedef struct told {
        /* agreed, set, failed, skipped (libvirt does not run it: a fake
         * tree's), unreachable; NULL: not asked */
        const char *result;
        char *said, *message;
} told;

/* Tell libvirt the placement of the applied domain uuid (connecting once,
 * on first use): its live definition is part of what apply repairs. A
 * libvirt that cannot be reached, or that does not run the domain (a fake
 * tree's), is said, not failed: the kernel holds the placement either way. */
static void tell_libvirt(const vp_paths *p, const char *uri, virConnectPtr *conn, bool *tried,
                         const char *uuid, told *t)
{
        vp_error err = {0};
        if (!*tried) {
                *tried = true;
                *conn = vp_virt_open(uri, &err);
                if (!*conn) {
                        t->result = "unreachable";
                        t->message = vp_xstrdup(err.msg);
                        return;
                }
        }
        virDomainPtr dom = *conn ? virDomainLookupByUUIDString(*conn, uuid) : NULL;
        if (!dom) {
                t->result = *conn ? "skipped" : "unreachable";
                t->message = vp_xstrdup(*conn ? "libvirt does not run it" : "libvirt not reached");
                return;
        }
        static const char *const names[] = {"agreed", "set", "failed", "skipped"};
        vp_agree_result r = vp_virt_agree(p, dom, uuid, &t->said, &err);
        t->result = names[r];
        if (err.code)
                t->message = vp_xstrdup(err.msg);
        virDomainFree(dom);
}

static json_object *outcome_json(const char *name, const vp_op_result *o, const told *t)
{
        json_object *j = json_object_new_object();
        cli_json_str(j, "name", name);
        cli_json_str(j, "uuid", o->uuid);
        cli_json_str(j, "result", o->result);
        cli_json_str(j, "profile", o->profile);
        cli_json_str(j, "matched_by", o->matched_by);
        cli_json_str(j, "reason", o->reason);
        cli_json_str(j, "message", o->message);
        json_object *b = json_object_new_object(), *a = json_object_new_object();
        json_object_object_add(b, "cpus", vp_json_cpuset(&o->before->cpus));
        json_object_object_add(b, "emulator_cpus", vp_json_cpuset(&o->before->emulator));
        json_object_object_add(b, "nodes", vp_json_id_array(&o->before->nodes));
        json_object_object_add(a, "cpus", vp_json_cpuset(&o->after->cpus));
        json_object_object_add(a, "emulator_cpus", vp_json_cpuset(&o->after->emulator));
        json_object_object_add(a, "nodes", vp_json_id_array(&o->after->nodes));
        json_object_object_add(j, "before", b);
        json_object_object_add(j, "after", a);
        json_object *ch = json_object_new_array();
        for (size_t i = 0; i < o->n_changes; i++) {
                json_object *c = json_object_new_object();
                json_object_object_add(c, "file", json_object_new_string(o->changes[i].file));
                json_object_object_add(c, "before", json_object_new_string(o->changes[i].before));
                json_object_object_add(c, "after", json_object_new_string(o->changes[i].after));
                json_object_array_add(ch, c);
        }
        json_object_object_add(j, "changes", ch);
        json_object_object_add(j, "repaired", vp_json_drifts(&o->repaired));
        json_object_object_add(j, "drift", vp_json_drifts(&o->left));
        json_object_object_add(j, "launch_only", vp_json_launch_only(o->launch_only));
        json_object *lv = NULL;
        if (t->result) {
                lv = json_object_new_object();
                cli_json_str(lv, "result", t->result);
                cli_json_str(lv, "set", t->said);
                cli_json_str(lv, "message", t->message);
        }
        json_object_object_add(j, "libvirt", lv);
        return j;
}

static void outcome_print(const char *name, const vp_op_result *o, const told *t)
{
        char a[64], b[64];
        printf("%s: %s", name, o->result);
        if (o->profile)
                printf(" (profile %s%s%s)", o->profile, o->matched_by ? ", " : "",
                       o->matched_by ? o->matched_by : "");
        putchar('\n');
        if (o->message) {
                fputs("  ", stdout);
                cli_wrap(o->message, 2);
        }
        if (strcmp(o->result, "applied") != 0 && strcmp(o->result, "error") != 0)
                return;
        if (o->reason) {
                fputs("  placement: ", stdout);
                cli_wrap(o->reason, 13);
        }
        static const char *const what[] = {"cpus", "emulator", "nodes"};
        const vp_cpuset *sets[][2] = {{&o->before->cpus, &o->after->cpus},
                                      {&o->before->emulator, &o->after->emulator},
                                      {&o->before->nodes, &o->after->nodes}};
        for (size_t i = 0; i < 3; i++)
                if (!vp_cpuset_equal(sets[i][0], sets[i][1]))
                        printf("  %-8s %s -> %s\n", what[i],
                               vp_cpuset_fmt(sets[i][0], b, sizeof(b)),
                               vp_cpuset_fmt(sets[i][1], a, sizeof(a)));
        for (size_t i = 0; i < o->n_changes; i++)
                printf("  %-32s %s -> %s\n", o->changes[i].file, o->changes[i].before,
                       o->changes[i].after);
        for (size_t i = 0; i < o->repaired.n; i++)
                printf("  drift repaired: %-32s was %s (plan said %s)\n", o->repaired.d[i].file,
                       o->repaired.d[i].have, o->repaired.d[i].want);
        for (size_t i = 0; i < o->left.n; i++)
                printf("  still drifting: %-32s want %s have %s\n", o->left.d[i].file,
                       o->left.d[i].want, o->left.d[i].have);
        if (t->said && strcmp(t->result, "set") == 0)
                printf("  libvirt told: %s\n", t->said);
        else if (t->result && (!strcmp(t->result, "failed") || !strcmp(t->result, "unreachable")))
                printf("  libvirt not told (%s): %s\n", t->result, t->message ? t->message : "");
        if (o->launch_only) {
                printf("  launch-only, not applied to the running VM:");
                for (unsigned i = 0; i < VP_ARRAY_SIZE(vp_launch_only_names); i++)
                        if (o->launch_only & (1u << i))
                                printf(" %s", vp_launch_only_names[i]);
                printf("\n  (run vmplace sync %s, then restart it)\n", name);
        }
}

/* --all: every ledger entry and every domain libvirt runs, once each (the
 * unmanaged ones come back as "unmanaged" and are not printed). */
static size_t all_names(const vp_paths *p, char ***out)
{
        char **names = NULL;
        size_t n = 0;
        vp_ledger l = {0};
        vp_error err;
        if (vp_ledger_load(p->rundir, &l, &err) == 0)
                for (size_t i = 0; i < l.n; i++) {
                        names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                        names[n++] = vp_xstrdup(l.entries[i].name);
                }
        vp_ledger_free(&l);
        vp_running *run = NULL;
        size_t nrun = 0;
        if (vp_running_list(p, &run, &nrun, &err) == 0)
                for (size_t i = 0; i < nrun; i++) {
                        bool seen = false;
                        for (size_t k = 0; k < n && !seen; k++)
                                seen = strcmp(names[k], run[i].name) == 0;
                        if (!seen) {
                                names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                                names[n++] = vp_xstrdup(run[i].name);
                        }
                }
        vp_running_free(run, nrun);
        *out = names;
        return n;
}

int cmd_apply(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = false, all = false;
        const char *uri = NULL;
        char **names = NULL;
        size_t n = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--all") == 0)
                        all = true;
                else if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--connect") == 0) &&
                         i + 1 < argc)
                        uri = argv[++i];
                else if (argv[i][0] == '-') {
                        fprintf(stderr, "vmplace apply: unknown option '%s'\n", argv[i]);
                        free(names);
                        return EXIT_USAGE;
                } else {
                        names = vp_xrealloc(names, (n + 1) * sizeof(*names));
                        names[n++] = argv[i];
                }
        }
        if (all == (n > 0)) {
                fprintf(stderr, "vmplace apply: name domains or give --all (not both)\n");
                free(names);
                return EXIT_USAGE;
        }
        if (!cli_config_valid(p, "apply")) {
                free(names);
                return EXIT_USAGE;
        }
        char **owned = NULL;
        if (all)
                n = all_names(p, &owned);
        int rc = EXIT_OK;
        json_object *arr = json ? json_object_new_array() : NULL;
        virConnectPtr conn = NULL;
        bool tried = false;
        for (size_t i = 0; i < n; i++) {
                const char *name = all ? owned[i] : names[i];
                vp_op_result o;
                vp_op_apply(p, name, &o);
                told t = {0};
                if (strcmp(o.result, "applied") == 0 && o.uuid)
                        tell_libvirt(p, uri, &conn, &tried, o.uuid, &t);
                /* --all covers what runs: an entry that is not running is
                 * the reclaimer's business, not a failure of apply */
                if (!(all && strcmp(o.result, "not-running") == 0) && vp_op_apply_failed(&o))
                        rc = EXIT_UNMET;
                if (t.result && strcmp(t.result, "failed") == 0)
                        rc = EXIT_UNMET;
                if (json)
                        json_object_array_add(arr, outcome_json(name, &o, &t));
                else if (!(all && strcmp(o.result, "unmanaged") == 0))
                        outcome_print(name, &o, &t);
                vp_op_result_free(&o);
                free(t.said);
                free(t.message);
        }
        if (conn)
                virConnectClose(conn);
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "domains", arr);
                cli_print_json(o);
        }
        for (size_t i = 0; owned && i < n; i++)
                free(owned[i]);
        free(owned);
        free(names);
        return rc;
}
