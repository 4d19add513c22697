/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The planner: guest NUMA cells and the memory binding (plan_impl.h). Pure. */
#include "plan_impl.h"
#include "rewrite.h"

#include <string.h>

void vp_plan_set_cells_even(vp_plan *p, unsigned n, const unsigned *share_node, vp_mem_mode mode)
{
        vp_tune *t = &p->tune;
        unsigned *share = vp_xcalloc(n, sizeof(unsigned));
        uint64_t *mem = vp_xcalloc(n, sizeof(uint64_t));
        vp_plan_split_count(p->vcpus, n, share);
        vp_plan_split_even(p->memory_kib, n, SPLIT_ALIGN_KIB, mem);
        free(t->cells);
        t->cells = NULL;
        t->n_cells = 0;
        unsigned first = 0;
        for (unsigned k = 0; k < n; k++) {
                vp_cell *cell = vp_cells_get(&t->cells, &t->n_cells, k);
                cell->cpus_set = true;
                vp_cpuset_zero(&cell->cpus);
                for (unsigned v = first; v < first + share[k]; v++)
                        vp_cpuset_set(&cell->cpus, v);
                first += share[k];
                cell->memory_set = true;
                cell->memory_kib = mem[k];
                if (share_node) {
                        vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, k);
                        m->mode = mode;
                        m->nodeset_set = true;
                        vp_cpuset_zero(&m->nodeset);
                        vp_cpuset_set(&m->nodeset, share_node[k]);
                }
        }
        p->owned |= VP_OWN_CELLS;
        free(share);
        free(mem);
}

void vp_plan_clear_memnodes(vp_plan *p)
{
        free(p->tune.memnodes);
        p->tune.memnodes = NULL;
        p->tune.n_memnodes = 0;
        p->owned |= VP_OWN_MEMNODES;
}

void vp_plan_guest_numa(ctx *c)
{
        const vp_profile *pr = c->prof;
        vp_plan *p = c->plan;
        vp_tune *t = &p->tune;
        vp_mem_mode mode = t->mem_mode != VP_MEM_UNSET ? t->mem_mode : VP_MEM_STRICT;
        /* "restrictive" is a cgroup-only policy with no per-cell meaning
         * (no QEMU memory-backend policy): bind a restrictive VM's cells
         * strictly, which is what its cpuset.mems does for the whole VM. */
        vp_mem_mode cell_mode = mode == VP_MEM_RESTRICTIVE ? VP_MEM_STRICT : mode;

        if (c->in->abi_fixed) {
                /* Guest cells cannot change; bind the existing ones 1:1 to the
                 * chosen nodes when the counts agree (host side only). */
                if (pr->cells_kind == VP_CELLS_AUTO && c->n_share && t->n_cells == c->n_share) {
                        vp_plan_clear_memnodes(p);
                        for (size_t k = 0; k < t->n_cells; k++) {
                                vp_memnode *m =
                                    vp_memnodes_get(&t->memnodes, &t->n_memnodes, t->cells[k].id);
                                m->mode = cell_mode;
                                m->nodeset_set = true;
                                vp_cpuset_zero(&m->nodeset);
                                vp_cpuset_set(&m->nodeset, c->share_node[k]);
                        }
                }
        } else {
                switch (pr->cells_kind) {
                case VP_CELLS_NONE:
                        free(t->cells);
                        t->cells = NULL;
                        t->n_cells = 0;
                        p->owned |= VP_OWN_CELLS;
                        vp_plan_clear_memnodes(p);
                        break;
                case VP_CELLS_AUTO:
                        if (c->n_share == 0)
                                break;
                        vp_plan_clear_memnodes(p);
                        vp_plan_set_cells_even(p, c->n_share, c->share_node, cell_mode);
                        break;
                case VP_CELLS_COUNT:
                        if (pr->cells_count > p->vcpus ||
                            p->memory_kib < pr->cells_count * SPLIT_ALIGN_KIB) {
                                char m[32];
                                vp_plan_refuse(
                                    c,
                                    "cells = %u cannot split %u vCPUs and %s into %u guest cells",
                                    pr->cells_count, p->vcpus,
                                    vp_plan_mem_text(p->memory_kib, m, sizeof(m)), pr->cells_count);
                                return;
                        }
                        vp_plan_clear_memnodes(p);
                        vp_plan_set_cells_even(p, pr->cells_count, NULL, cell_mode);
                        break;
                case VP_CELLS_EXPLICIT:
                        free(t->cells);
                        t->cells = NULL;
                        t->n_cells = 0;
                        for (size_t i = 0; i < pr->tune.n_cells; i++)
                                *vp_cells_get(&t->cells, &t->n_cells, pr->tune.cells[i].id) =
                                    pr->tune.cells[i];
                        p->owned |= VP_OWN_CELLS;
                        vp_plan_clear_memnodes(p);
                        break;
                case VP_CELLS_UNSET:
                        break;
                }
        }

        /* The domain's own memnodes must follow memory that placement moved:
         * cell k to the k-th chosen node when the counts agree, else every
         * cell to all chosen nodes. (Cells auto-made above are already bound.) */
        if (c->n_share && !(p->owned & VP_OWN_MEMNODES)) {
                for (size_t i = 0; i < t->n_memnodes; i++) {
                        vp_memnode *m = &t->memnodes[i];
                        if (m->nodeset_set && vp_cpuset_subset(&m->nodeset, &p->host_nodes))
                                continue;
                        size_t k = 0;
                        while (k < t->n_cells && t->cells[k].id != m->cellid)
                                k++;
                        m->nodeset_set = true;
                        if (t->n_cells == c->n_share && k < t->n_cells) {
                                vp_cpuset_zero(&m->nodeset);
                                vp_cpuset_set(&m->nodeset, c->share_node[k]);
                        } else {
                                m->nodeset = p->host_nodes;
                        }
                        if (m->mode == VP_MEM_UNSET)
                                m->mode = cell_mode;
                        p->owned |= VP_OWN_MEMNODES;
                }
        }

        /* Profile memnode.N.* keys on top. */
        for (size_t i = 0; i < pr->tune.n_memnodes; i++) {
                const vp_memnode *src = &pr->tune.memnodes[i];
                vp_memnode *m = vp_memnodes_get(&t->memnodes, &t->n_memnodes, src->cellid);
                if (src->mode != VP_MEM_UNSET)
                        m->mode = src->mode;
                if (src->nodeset_set) {
                        m->nodeset_set = true;
                        m->nodeset = src->nodeset;
                }
                p->owned |= VP_OWN_MEMNODES;
        }

        /* Consistency libvirt would otherwise reject at start. */
        if (t->n_cells) {
                vp_cpuset all, want;
                vp_cpuset_zero(&all);
                vp_cpuset_zero(&want);
                uint64_t sum = 0;
                char a[128], b[128];
                for (size_t i = 0; i < t->n_cells; i++) {
                        vp_cpuset_or(&all, &t->cells[i].cpus);
                        /* saturate: profile cells of up to 2^64-1 KiB each wrapped to the
                         * domain's size and passed, then went out as a 16 EiB cell */
                        uint64_t kib = t->cells[i].memory_kib;
                        sum = kib > UINT64_MAX - sum ? UINT64_MAX : sum + kib;
                }
                for (unsigned v = 0; v < p->vcpus; v++)
                        vp_cpuset_set(&want, v);
                if ((p->owned & VP_OWN_CELLS) && !vp_cpuset_equal(&all, &want))
                        vp_plan_refuse(
                            c, "guest NUMA cells cover vCPUs %s but the domain has vCPUs %s",
                            vp_cpuset_fmt(&all, a, sizeof(a)), vp_cpuset_fmt(&want, b, sizeof(b)));
                else if ((p->owned & VP_OWN_CELLS) && sum != p->memory_kib)
                        vp_plan_refuse(c,
                                       "guest NUMA cells hold %s%llu KiB but the domain has %llu "
                                       "KiB of memory",
                                       sum == UINT64_MAX ? "more than " : "",
                                       (unsigned long long)sum, (unsigned long long)p->memory_kib);
        }
        for (size_t i = 0; i < t->n_memnodes; i++) {
                bool found = false;
                for (size_t j = 0; j < t->n_cells; j++)
                        found |= t->cells[j].id == t->memnodes[i].cellid;
                if (!found) {
                        vp_plan_refuse(
                            c, "memnode.%u names guest cell %u, which the domain will not have",
                            t->memnodes[i].cellid, t->memnodes[i].cellid);
                        break;
                }
        }
}

/* No automatic placement but a nodeset (the profile's or the domain's own):
 * memory is committed there, split evenly, and when it is bound (strict or
 * restrictive, libvirt's default being strict) each node must have its share
 * free beyond reserved_memory and other VMs' commitments. */
void vp_plan_admit_fixed_nodeset(ctx *c)
{
        vp_plan *p = c->plan;
        const vp_cpuset *ns = &p->tune.nodeset;
        unsigned n = vp_cpuset_count(ns);
        if (n == 0)
                return;
        bool bound = p->tune.mem_mode == VP_MEM_UNSET || p->tune.mem_mode == VP_MEM_STRICT ||
                     p->tune.mem_mode == VP_MEM_RESTRICTIVE;
        uint64_t *mem = vp_xcalloc(n, sizeof(uint64_t));
        vp_plan_split_even(p->memory_kib, n, SPLIT_ALIGN_KIB, mem);
        vp_buf b = {0};
        char a[256];
        bool short_mem = false;
        unsigned k = 0;
        for (int id = vp_cpuset_next(ns, 0); id >= 0;
             id = vp_cpuset_next(ns, (unsigned)id + 1), k++) {
                const vp_node *node = vp_topology_node(c->topo, (unsigned)id);
                int64_t avail = node ? vp_plan_node_avail_kib(c, node) : 0;
                vp_buf_printf(&b, "%snode%d: %lld MiB", k ? "; " : "", id,
                              (long long)(avail > 0 ? avail / 1024 : 0));
                if (bound && (!node || avail < (int64_t)mem[k]))
                        short_mem = true;
                p->node_mem = vp_xrealloc(p->node_mem, (p->n_node_mem + 1) * sizeof(*p->node_mem));
                p->node_mem[p->n_node_mem++] = (vp_ledger_mem){.node = (unsigned)id, .kib = mem[k]};
        }
        p->host_nodes = *ns;
        if (short_mem)
                vp_plan_refuse(
                    c, "numatune nodeset %s binds %llu MiB per node, more than is free there (%s)",
                    vp_cpuset_fmt(ns, a, sizeof(a)), (unsigned long long)(mem[0] / 1024), b.s);
        free(b.s);
        free(mem);
}
