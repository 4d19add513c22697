/* SPDX-License-Identifier: GPL-2.0-or-later */
/* topo_dump: load the host topology (libnuma + /sys, or the sysfs-shaped tree
 * in $VMPLACE_SYSFS or --sysfs DIR) and print the model as canonical text, one
 * fact per line, so two sources can be compared with diff (free_kib aside,
 * which moves between reads). --bench N loads N times and prints the mean time
 * per load instead. Exit 0, or 1 with the loader's message on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "topoload.h"

static void dump(const vp_topology *t)
{
        char buf[8192];
        printf("nodes %zu\n", t->n_nodes);
        for (size_t i = 0; i < t->n_nodes; i++) {
                const vp_node *n = &t->nodes[i];
                printf("node %u cpus %s total_kib %llu free_kib %llu distance", n->id,
                       vp_cpuset_fmt(&n->cpus, buf, sizeof(buf)), (unsigned long long)n->total_kib,
                       (unsigned long long)n->free_kib);
                for (size_t j = 0; j < t->n_nodes; j++)
                        printf("%c%u", j ? ',' : ' ', n->distance[j]);
                if (!vp_cpuset_empty(&n->offline))
                        printf(" offline %s", vp_cpuset_fmt(&n->offline, buf, sizeof(buf)));
                printf("\n");
        }
        printf("online %s\n", vp_cpuset_fmt(&t->online, buf, sizeof(buf)));
        printf("n_cpus %u\n", t->n_cpus);
        printf("smt %d\n", t->smt);
        for (unsigned c = 0; c < t->n_cpus; c++) {
                const vp_cpu *cpu = &t->cpus[c];
                printf("cpu %u online %d node %d core %d package %d siblings %s\n", c, cpu->online,
                       cpu->node, cpu->core_id, cpu->package_id,
                       vp_cpuset_fmt(&cpu->siblings, buf, sizeof(buf)));
        }
}

int main(int argc, char **argv)
{
        const char *root = getenv("VMPLACE_SYSFS");
        long bench = 0;
        if (root && !*root)
                root = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--sysfs") == 0 && i + 1 < argc) {
                        root = argv[++i];
                } else if (strcmp(argv[i], "--libnuma") == 0) {
                        root = NULL;
                } else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc) {
                        bench = strtol(argv[++i], NULL, 10);
                } else {
                        fprintf(stderr, "usage: topo_dump [--sysfs DIR | --libnuma] [--bench N]\n");
                        return 2;
                }
        }

        vp_error err = {0};
        vp_topology *t = NULL;
        if (bench > 0) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                for (long i = 0; i < bench; i++) {
                        if (vp_topology_load(root, &t, &err) < 0) {
                                fprintf(stderr, "topo_dump: %s\n", err.msg);
                                return 1;
                        }
                        vp_topology_free(t);
                }
                clock_gettime(CLOCK_MONOTONIC, &b);
                double us =
                    ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 /
                    (double)bench;
                printf("%s: %.1f us per load (%ld loads)\n", root ? root : "libnuma", us, bench);
                return 0;
        }
        if (vp_topology_load(root, &t, &err) < 0) {
                fprintf(stderr, "topo_dump: %s\n", err.msg);
                return 1;
        }
        printf("source %s\n", root ? "sysfs" : "libnuma");
        dump(t);
        vp_topology_free(t);
        return 0;
}
