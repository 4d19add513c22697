#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "ledger.h"
#include "plan.h"
#include "planjson.h"
#include "topology.h"

static const char help[] =
    "usage: vmplace topology [--json]\n"
    "The host as vmplace sees it: NUMA nodes with free/total memory and distances,\n"
    "cores with their SMT siblings, and for each CPU its role: reserved for the host,\n"
    "held by a dedicated VM (named), in the shared pool, or outside every pool.\n";

/* dedicated: held by a dedicated VM; shared: in the floating pool (and, with
 * the default pools, also free for dedicated VMs); free: only in an explicit
 * dedicated pool, held by nobody; outside: in no pool. The pools are the
 * planner's (vp_host_pools). */
typedef enum { ROLE_OUTSIDE, ROLE_RESERVED, ROLE_DEDICATED, ROLE_SHARED, ROLE_FREE } role;
static const char *const role_names[] = {"outside", "reserved", "dedicated", "shared", "free"};

typedef struct pools {
        const vp_cpuset *reserved;
        vp_cpuset dedicated, shared, held;
} pools;

static role cpu_role(unsigned cpu, const pools *p)
{
        if (vp_cpuset_test(p->reserved, cpu))
                return ROLE_RESERVED;
        if (vp_cpuset_test(&p->held, cpu))
                return ROLE_DEDICATED;
        return vp_cpuset_test(&p->shared, cpu)      ? ROLE_SHARED
               : vp_cpuset_test(&p->dedicated, cpu) ? ROLE_FREE
                                                    : ROLE_OUTSIDE;
}

static const char *holder_of(const vp_ledger *l, unsigned cpu)
{
        for (size_t i = 0; i < l->n; i++)
                if (vp_cpuset_test(&l->entries[i].held, cpu))
                        return l->entries[i].name;
        return NULL;
}

int cmd_topology(const vp_paths *p, int argc, char **argv)
{
        if (cli_wants_help(argc, argv, help))
                return EXIT_OK;
        bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
        if (argc > (json ? 2 : 1)) {
                fprintf(stderr, "vmplace topology: unexpected argument '%s'\n", argv[argc - 1]);
                return EXIT_USAGE;
        }
        vp_error err = {{0}};
        vp_topology *t = NULL;
        if (vp_topology_load(p->sysfs, &t, &err) < 0) {
                fprintf(stderr, "vmplace topology: %s\n", err.msg);
                return EXIT_USAGE;
        }
        vp_config *cfg = NULL;
        vp_diag diag = {0};
        vp_host_config none = {.on_error = VP_ONERR_REFUSE, .strategy = VP_STRAT_SPREAD};
        if (vp_config_load(p->confdir, geteuid() == 0, &cfg, &diag) < 0)
                fprintf(stderr, "vmplace topology: configuration invalid (run vmplace validate); "
                                "showing pools as if unconfigured\n");
        vp_diag_free(&diag);
        const vp_host_config *h = cfg ? &cfg->host : &none;
        /* The ledger is replaced by rename, so reading it unlocked is safe. */
        vp_ledger l = {0};
        if (vp_ledger_load(p->rundir, &l, &err) < 0)
                fprintf(stderr, "vmplace topology: %s (ignoring the ledger)\n", err.msg);
        pools pl = {.reserved = &h->reserved_cpus};
        vp_host_pools(h, &t->online, &pl.dedicated, &pl.shared);
        vp_ledger_held(&l, NULL, &pl.held);

        json_object *jn = json ? json_object_new_array() : NULL;
        char a[512];
        for (size_t i = 0; i < t->n_nodes; i++) {
                const vp_node *n = &t->nodes[i];
                json_object *jnode = NULL, *jcores = NULL;
                if (json) {
                        jnode = json_object_new_object();
                        json_object_object_add(jnode, "id", json_object_new_int((int)n->id));
                        json_object_object_add(jnode, "cpus", vp_json_cpuset(&n->cpus));
                        json_object_object_add(jnode, "total_kib",
                                               json_object_new_int64((int64_t)n->total_kib));
                        json_object_object_add(jnode, "free_kib",
                                               json_object_new_int64((int64_t)n->free_kib));
                        json_object *d = json_object_new_array();
                        for (size_t j = 0; j < t->n_nodes; j++)
                                json_object_array_add(d, json_object_new_int((int)n->distance[j]));
                        json_object_object_add(jnode, "distances", d);
                        jcores = json_object_new_array();
                } else {
                        printf("node%u  CPUs %s  memory %.1f GiB free of %.1f GiB  distances",
                               n->id, vp_cpuset_fmt(&n->cpus, a, sizeof(a)),
                               (double)n->free_kib / (1024.0 * 1024),
                               (double)n->total_kib / (1024.0 * 1024));
                        for (size_t j = 0; j < t->n_nodes; j++)
                                printf(" %u", n->distance[j]);
                        printf("\n");
                }
                vp_cpuset seen;
                vp_cpuset_zero(&seen);
                for (int c = vp_cpuset_next(&n->cpus, 0); c >= 0;
                     c = vp_cpuset_next(&n->cpus, (unsigned)c + 1)) {
                        if (vp_cpuset_test(&seen, (unsigned)c))
                                continue;
                        vp_cpuset core;
                        vp_topology_core_of(t, (unsigned)c, &core);
                        vp_cpuset_or(&seen, &core);
                        json_object *jthreads = json ? json_object_new_array() : NULL;
                        if (!json)
                                printf("  core %-4d", t->cpus[c].core_id);
                        for (int s = vp_cpuset_next(&core, 0); s >= 0;
                             s = vp_cpuset_next(&core, (unsigned)s + 1)) {
                                role r = cpu_role((unsigned)s, &pl);
                                const char *who =
                                    r == ROLE_DEDICATED ? holder_of(&l, (unsigned)s) : NULL;
                                if (json) {
                                        json_object *th = json_object_new_object();
                                        json_object_object_add(th, "cpu", json_object_new_int(s));
                                        json_object_object_add(
                                            th, "role", json_object_new_string(role_names[r]));
                                        json_object_object_add(
                                            th, "holder", who ? json_object_new_string(who) : NULL);
                                        json_object_array_add(jthreads, th);
                                } else {
                                        char cell[80], fit[160];
                                        snprintf(cell, sizeof(cell), "cpu%d %s", s,
                                                 who ? who : role_names[r]);
                                        printf("  %s", cli_fit(cell, 24, fit, sizeof(fit)));
                                }
                        }
                        if (json) {
                                json_object *jc = json_object_new_object();
                                json_object_object_add(jc, "core_id",
                                                       json_object_new_int(t->cpus[c].core_id));
                                json_object_object_add(jc, "cpus", vp_json_cpuset(&core));
                                json_object_object_add(jc, "threads", jthreads);
                                json_object_array_add(jcores, jc);
                        } else {
                                printf("\n");
                        }
                }
                if (json) {
                        json_object_object_add(jnode, "cores", jcores);
                        json_object_array_add(jn, jnode);
                }
        }
        if (json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "online", vp_json_cpuset(&t->online));
                json_object_object_add(o, "smt", json_object_new_boolean(t->smt));
                json_object_object_add(o, "nodes", jn);
                cli_print_json(o);
        }
        vp_ledger_free(&l);
        vp_config_free(cfg);
        vp_topology_free(t);
        return EXIT_OK;
}
