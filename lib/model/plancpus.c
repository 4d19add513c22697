/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The planner: picking CPUs inside one node (plan_impl.h). Pure. */
#include "plan_impl.h"

#include <string.h>

/* ---- CPU picking inside one node ---------------------------------------- */

typedef struct core {
        vp_cpuset all;  /* threads of the core on this node */
        vp_cpuset free; /* of which available to us */
        unsigned n_all, n_free;
        int first; /* lowest CPU: identity and tie-break */
} core;

/* The cores of a node that have at least one available thread, by first CPU. */
static core *list_cores(const vp_topology *t, const vp_cpuset *node_cpus, const vp_cpuset *avail,
                        size_t *n)
{
        core *cores = NULL;
        size_t count = 0;
        vp_cpuset seen;
        vp_cpuset_zero(&seen);
        for (int cpu = vp_cpuset_next(node_cpus, 0); cpu >= 0;
             cpu = vp_cpuset_next(node_cpus, (unsigned)cpu + 1)) {
                if (vp_cpuset_test(&seen, (unsigned)cpu))
                        continue;
                core k;
                vp_topology_core_of(t, (unsigned)cpu, &k.all);
                vp_cpuset_or(&seen, &k.all);
                k.free = k.all;
                vp_cpuset_and(&k.free, avail);
                k.n_all = vp_cpuset_count(&k.all);
                k.n_free = vp_cpuset_count(&k.free);
                k.first = vp_cpuset_next(&k.all, 0);
                if (k.n_free == 0)
                        continue;
                cores = vp_xrealloc(cores, (count + 1) * sizeof(*cores));
                cores[count++] = k;
        }
        *n = count;
        return cores;
}

/* How many units (CPUs, or whole cores for isolate) a node offers. */
unsigned vp_plan_count_units(const ctx *c, const vp_cpuset *node_cpus, const vp_cpuset *avail)
{
        if (c->thread_policy != VP_THREAD_ISOLATE && c->thread_policy != VP_THREAD_REQUIRE)
                return vp_cpuset_count(avail);
        size_t n;
        core *cores = list_cores(c->topo, node_cpus, avail, &n);
        unsigned units = 0;
        for (size_t i = 0; i < n; i++) {
                if (c->thread_policy == VP_THREAD_ISOLATE)
                        units += cores[i].n_free == cores[i].n_all;
                else if (cores[i].n_free >= 2)
                        units += cores[i].n_free;
        }
        free(cores);
        return units;
}

/* Pick `want` CPUs from avail on one node under the thread policy. Appends
 * the chosen CPUs in vCPU order to order[*n_order] and adds what becomes
 * exclusively held (for isolate: whole cores) to *held and removes it from
 * *avail. Returns false when the node cannot supply them. */
bool vp_plan_pick_cpus(const ctx *c, const vp_cpuset *node_cpus, vp_cpuset *avail, unsigned want,
                       unsigned *order, unsigned *n_order, vp_cpuset *held)
{
        size_t n;
        core *cores = list_cores(c->topo, node_cpus, avail, &n);
        unsigned got = 0;
        vp_cpuset take_held;
        vp_cpuset_zero(&take_held);
        unsigned *picked = vp_xcalloc(want ? want : 1, sizeof(unsigned));

        if (c->thread_policy == VP_THREAD_ISOLATE) {
                /* One whole idle core per CPU; its siblings stay unused. */
                for (size_t i = 0; i < n && got < want; i++) {
                        if (cores[i].n_free != cores[i].n_all)
                                continue;
                        picked[got++] = (unsigned)cores[i].first;
                        vp_cpuset_or(&take_held, &cores[i].all);
                }
        } else {
                /* prefer / require: whole idle cores first so vCPUs land on
                 * sibling pairs, then the remainder on the partially used
                 * core that fits it best (least fragmentation). require
                 * never takes a core where fewer than 2 threads are free. */
                unsigned min_free = c->thread_policy == VP_THREAD_REQUIRE ? 2 : 1;
                bool *used = vp_xcalloc(n ? n : 1, sizeof(bool));
                for (size_t i = 0; i < n && got < want; i++) {
                        if (cores[i].n_free != cores[i].n_all || cores[i].n_free < min_free ||
                            want - got < cores[i].n_free)
                                continue;
                        used[i] = true;
                        for (int cpu = vp_cpuset_next(&cores[i].free, 0); cpu >= 0;
                             cpu = vp_cpuset_next(&cores[i].free, (unsigned)cpu + 1)) {
                                picked[got++] = (unsigned)cpu;
                                vp_cpuset_set(&take_held, (unsigned)cpu);
                        }
                }
                while (got < want) {
                        unsigned rem = want - got;
                        ssize_t best = -1;
                        for (size_t i = 0; i < n; i++) {
                                if (used[i] || cores[i].n_free < min_free)
                                        continue;
                                if (best < 0)
                                        best = (ssize_t)i;
                                else {
                                        unsigned fb = cores[best].n_free, fi = cores[i].n_free;
                                        bool bfits = fb >= rem, ifits = fi >= rem;
                                        /* smallest core that fits, else largest */
                                        if ((ifits && (!bfits || fi < fb)) ||
                                            (!ifits && !bfits && fi > fb))
                                                best = (ssize_t)i;
                                }
                        }
                        if (best < 0)
                                break;
                        used[best] = true;
                        for (int cpu = vp_cpuset_next(&cores[best].free, 0); cpu >= 0 && got < want;
                             cpu = vp_cpuset_next(&cores[best].free, (unsigned)cpu + 1)) {
                                picked[got++] = (unsigned)cpu;
                                vp_cpuset_set(&take_held, (unsigned)cpu);
                        }
                }
                free(used);
        }
        free(cores);
        bool ok = got == want;
        if (ok) {
                for (unsigned i = 0; i < got; i++)
                        order[(*n_order)++] = picked[i];
                vp_cpuset_or(held, &take_held);
                vp_cpuset_andnot(avail, &take_held);
        }
        free(picked);
        return ok;
}
