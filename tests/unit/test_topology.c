/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host model (lib/model/topology.c) on models built here, no tree read:
 * the reader's assembling steps (CPUs from the online set, nodes split into
 * online and offline CPUs, cores from sibling lists, inconsistent lists
 * included) and the lookups (node by id, the node set, a CPU's core as
 * placement sees it). Reading trees and the host is test_topoload's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpusets.h"
#include "tap.h"
#include "topology.h"

/* A model with CPUs online and n nodes ids[i] listing cpus[i] (ids
 * ascending, distance 10 local and 20 remote), sized by
 * vp_topology_init_cpus; nodes not yet assigned, no cores. */
static vp_topology *build(const char *online, size_t n, const unsigned *ids,
                          const char *const *cpus)
{
        vp_topology *t = vp_xcalloc(1, sizeof(*t));
        t->online = S(online);
        vp_topology_init_cpus(t);
        t->nodes = vp_xcalloc(n, sizeof(*t->nodes));
        t->n_nodes = n;
        for (size_t i = 0; i < n; i++) {
                t->nodes[i].id = ids[i];
                t->nodes[i].cpus = S(cpus[i]);
                t->nodes[i].distance = vp_xcalloc(n, sizeof(unsigned));
                for (size_t j = 0; j < n; j++)
                        t->nodes[i].distance[j] = i == j ? 10 : 20;
        }
        return t;
}

static void test_init_cpus(void)
{
        vp_topology *t = build("0-2,5", 0, NULL, NULL);
        is_int(t->n_cpus, 6, "init: n_cpus is the highest online CPU + 1");
        ok(t->cpus[0].online && t->cpus[2].online && t->cpus[5].online, "init: 0-2,5 online");
        ok(!t->cpus[3].online && !t->cpus[4].online, "init: 3-4 not online");
        int unset = 0;
        for (unsigned c = 0; c < t->n_cpus; c++) {
                const vp_cpu *cpu = &t->cpus[c];
                char want[16];
                snprintf(want, sizeof(want), "%u", c);
                unset += cpu->node == -1 && cpu->core_id == -1 && cpu->package_id == -1 &&
                         strcmp(fmt(&cpu->siblings), want) == 0;
        }
        is_int(unset, 6, "init: every CPU without node, core or package, its own sibling");
        ok(!t->smt, "init: no SMT yet");
        vp_topology_free(t);
}

static void test_assign_nodes(void)
{
        static const unsigned ids[] = {0, 2};
        static const char *const cpus[] = {"0-1,3", "2,5-7"};
        vp_topology *t = build("0-2,5", 2, ids, cpus);
        vp_error err = {0};
        is_int(vp_topology_assign_nodes(t, "src", &err), 0, "assign: no conflict");
        is_str(fmt(&t->nodes[0].cpus), "0-1", "assign: node0 keeps its online CPUs");
        is_str(fmt(&t->nodes[0].offline), "3", "assign: node0's offline CPU moves aside");
        is_str(fmt(&t->nodes[1].cpus), "2,5", "assign: node2 online CPUs");
        is_str(fmt(&t->nodes[1].offline), "6-7", "assign: node2 lists CPUs above n_cpus offline");
        is_int(t->cpus[1].node, 0, "assign: cpu1 on node 0");
        is_int(t->cpus[5].node, 2, "assign: cpu5 on node 2 (an id, not an index)");
        is_int(t->cpus[3].node, -1, "assign: offline cpu3 on no node");
        is_int(t->cpus[4].node, -1, "assign: cpu4, in no node, on none");
        vp_topology_free(t);

        static const unsigned ids2[] = {0, 1};
        static const char *const twice[] = {"0-1", "1-2"};
        t = build("0-2", 2, ids2, twice);
        is_int(vp_topology_assign_nodes(t, "src/node", &err), -EINVAL, "assign: CPU in two nodes");
        is_str(err.msg, "src/node: CPU 1 is in node0 and node1", "assign: the message names both");
        vp_topology_free(t);

        /* an offline CPU in two nodes is no conflict: it is in neither */
        static const char *const offline_twice[] = {"0,3", "1,3"};
        t = build("0-1", 2, ids2, offline_twice);
        is_int(vp_topology_assign_nodes(t, "src", &err), 0, "assign: offline CPU in two nodes");
        is_str(fmt(&t->nodes[1].offline), "3", "assign: ... listed offline in both");
        vp_topology_free(t);
}

/* Make cpu a core of siblings (a cpulist) as the reader would. */
static void core(vp_topology *t, unsigned cpu, const char *siblings, int core_id, int package_id,
                 vp_cpuset *done)
{
        vp_cpuset sib = S(siblings);
        vp_topology_set_core(t, cpu, &sib, core_id, package_id, done);
}

static void test_set_core(void)
{
        /* cpu 7 listed offline; 3 and 6 share a core across nodes */
        static const unsigned ids[] = {0, 1};
        static const char *const cpus[] = {"0-1,4-5", "2-3,6-7"};
        vp_topology *t = build("0-6,8", 2, ids, cpus);
        vp_error err = {0};
        is_int(vp_topology_assign_nodes(t, "src", &err), 0, "core: nodes assigned");
        vp_cpuset done;
        vp_cpuset_zero(&done);

        core(t, 0, "0,4", 10, 1, &done);
        is_str(fmt(&t->cpus[0].siblings), "0,4", "core: cpu0 siblings");
        is_str(fmt(&t->cpus[4].siblings), "0,4", "core: cpu4 shares them");
        ok(t->cpus[4].core_id == 10 && t->cpus[4].package_id == 1,
           "core: cpu4 has the core and package read for cpu0");
        is_str(fmt(&done), "0,4", "core: both done");
        ok(t->smt, "core: two threads make SMT");

        /* a sibling already given to a core stays there */
        core(t, 1, "1,4", 11, 1, &done);
        is_str(fmt(&t->cpus[1].siblings), "1", "core: cpu1 without cpu4, taken already");
        is_str(fmt(&t->cpus[4].siblings), "0,4", "core: cpu4 still with cpu0");
        is_int(t->cpus[4].core_id, 10, "core: cpu4 keeps its core_id");

        /* an offline sibling is none; a list without the CPU still has it */
        core(t, 6, "6-7", 12, 0, &done);
        is_str(fmt(&t->cpus[6].siblings), "6", "core: offline cpu7 is no sibling");
        is_str(fmt(&t->cpus[7].siblings), "7", "core: cpu7 keeps itself only");
        is_int(t->cpus[7].core_id, -1, "core: cpu7 no core");
        core(t, 2, "3", 13, 0, &done);
        is_str(fmt(&t->cpus[2].siblings), "2-3", "core: cpu2 is among its own siblings");
        is_str(fmt(&done), "0-4,6", "core: done grows by each core");

        /* SMT across nodes: placement's core stops at the node */
        core(t, 5, "5,8", 14, 0, &done);
        is_str(fmt(&t->cpus[8].siblings), "5,8", "core: cpu8 (on no node) with cpu5");
        vp_cpuset c;
        vp_topology_core_of(t, 5, &c);
        is_str(fmt(&c), "5", "core_of: cpu5 without its sibling on no node");
        vp_topology_core_of(t, 8, &c);
        is_str(fmt(&c), "5,8", "core_of: cpu8, on no node, has its whole core");
        vp_topology_core_of(t, 4, &c);
        is_str(fmt(&c), "0,4", "core_of: cpu4 with cpu0, same node");
        vp_topology_core_of(t, 7, &c);
        is_str(fmt(&c), "7", "core_of: offline cpu7 alone");
        vp_topology_core_of(t, 100, &c);
        is_str(fmt(&c), "100", "core_of: a CPU beyond the model is its own core");
        vp_topology_free(t);

        /* one thread per core: no SMT */
        t = build("0-1", 0, NULL, NULL);
        vp_cpuset_zero(&done);
        core(t, 0, "0", 0, 0, &done);
        core(t, 1, "0-1", 1, 0, &done);
        ok(!t->smt, "core: single threads are no SMT");
        vp_topology_free(t);
}

static void test_lookups(void)
{
        static const unsigned ids[] = {0, 2, 5};
        static const char *const cpus[] = {"0", "1", "2"};
        vp_topology *t = build("0-2", 3, ids, cpus);
        is_int(vp_topology_node_index(t, 0), 0, "node_index(0)");
        is_int(vp_topology_node_index(t, 2), 1, "node_index(2)");
        is_int(vp_topology_node_index(t, 5), 2, "node_index(5)");
        is_int(vp_topology_node_index(t, 1), -1, "node_index(1): a gap");
        is_int(vp_topology_node_index(t, 6), -1, "node_index(6): past the last");
        ok(vp_topology_node(t, 5) == &t->nodes[2], "node(5)");
        ok(vp_topology_node(t, 3) == NULL, "node(3) is NULL");
        vp_cpuset ns = S("9");
        vp_topology_nodeset(t, &ns);
        is_str(fmt(&ns), "0,2,5", "nodeset: the ids, what was there before gone");
        vp_topology_free(t);

        t = build("0", 0, NULL, NULL);
        is_int(vp_topology_node_index(t, 0), -1, "node_index in a model without nodes");
        vp_topology_nodeset(t, &ns);
        ok(vp_cpuset_empty(&ns), "nodeset of no node is empty");
        vp_topology_free(t);
        vp_topology_free(NULL);
        ok(1, "free(NULL) is a no-op");
}

int main(void)
{
        test_init_cpus();
        test_assign_nodes();
        test_set_core();
        test_lookups();
        return tap_done();
}
