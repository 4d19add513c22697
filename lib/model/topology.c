/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "topology.h"

#include <errno.h>
#include <stdlib.h>

void vp_topology_free(vp_topology *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n_nodes; i++)
                free(t->nodes[i].distance);
        free(t->nodes);
        free(t->cpus);
        free(t);
}

int vp_topology_node_index(const vp_topology *t, unsigned id)
{
        size_t lo = 0, hi = t->n_nodes;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (t->nodes[mid].id == id)
                        return (int)mid;
                if (t->nodes[mid].id < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

const vp_node *vp_topology_node(const vp_topology *t, unsigned id)
{
        int i = vp_topology_node_index(t, id);
        return i < 0 ? NULL : &t->nodes[i];
}

void vp_topology_nodeset(const vp_topology *t, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        for (size_t i = 0; i < t->n_nodes; i++)
                vp_cpuset_set(out, t->nodes[i].id);
}

void vp_topology_core_of(const vp_topology *t, unsigned cpu, vp_cpuset *out)
{
        vp_cpuset_zero(out);
        if (cpu < t->n_cpus) {
                *out = t->cpus[cpu].siblings;
                const vp_node *n = t->cpus[cpu].node >= 0
                                       ? vp_topology_node(t, (unsigned)t->cpus[cpu].node)
                                       : NULL;
                if (n)
                        vp_cpuset_and(out, &n->cpus);
        }
        vp_cpuset_set(out, cpu);
}

void vp_topology_init_cpus(vp_topology *t)
{
        t->n_cpus = (unsigned)vp_cpuset_last(&t->online) + 1;
        t->cpus = vp_xcalloc(t->n_cpus, sizeof(*t->cpus));
        for (unsigned c = 0; c < t->n_cpus; c++) {
                vp_cpu *cpu = &t->cpus[c];
                cpu->online = vp_cpuset_test(&t->online, c);
                cpu->node = -1;
                cpu->core_id = -1;
                cpu->package_id = -1;
                vp_cpuset_set(&cpu->siblings, c);
        }
}

int vp_topology_assign_nodes(vp_topology *t, const char *source, vp_error *err)
{
        for (size_t i = 0; i < t->n_nodes; i++) {
                vp_node *node = &t->nodes[i];
                node->offline = node->cpus;
                vp_cpuset_andnot(&node->offline, &t->online);
                vp_cpuset_and(&node->cpus, &t->online);
                for (int c = vp_cpuset_next(&node->cpus, 0); c >= 0;
                     c = vp_cpuset_next(&node->cpus, (unsigned)c + 1)) {
                        if (t->cpus[c].node >= 0)
                                return vp_error_set(err, -EINVAL,
                                                    "%s: CPU %d is in node%d and node%u", source, c,
                                                    t->cpus[c].node, node->id);
                        t->cpus[c].node = (int)node->id;
                }
        }
        return 0;
}

void vp_topology_set_core(vp_topology *t, unsigned cpu, const vp_cpuset *siblings, int core_id,
                          int package_id, vp_cpuset *done)
{
        /* An offline thread is not a sibling; a CPU already given
         * to another core (inconsistent lists) stays there. */
        vp_cpuset sib = *siblings;
        vp_cpuset_and(&sib, &t->online);
        vp_cpuset_andnot(&sib, done);
        vp_cpuset_set(&sib, cpu);
        for (int s = vp_cpuset_next(&sib, 0); s >= 0; s = vp_cpuset_next(&sib, (unsigned)s + 1)) {
                vp_cpu *c = &t->cpus[s];
                c->siblings = sib;
                c->core_id = core_id;
                c->package_id = package_id;
        }
        vp_cpuset_or(done, &sib);
        if (vp_cpuset_count(&sib) > 1)
                t->smt = true;
}
