/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks on the configuration, after its files are read. */
#include "confcheck.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* The row of a plain key, or of an id key (suffix non-NULL). */
static const vp_conf_key *K(vp_conf_sect s, const char *name)
{
        return vp_conf_key_get(s, name, NULL);
}

static const vp_conf_key *KID(vp_conf_sect s, const char *name, const char *suffix)
{
        return vp_conf_key_get(s, name, suffix);
}

void vp_confcheck_host(vp_confload *L, vp_host_config *h)
{
        for (size_t i = 0; i < L->host.n; i++) {
                vp_conf_entry *e = &L->host.e[i];
                vp_error err = {0};
                if (e->skip)
                        continue;
                if (vp_conf_apply(e->row, e->id, h, e->value, &err) < 0) {
                        vp_cl_eerr(L, e, "%s", err.msg);
                        e->skip = e->bad = true;
                }
        }
        const vp_conf_key *kr = K(VP_SECT_HOST, "reserved_cpus");
        const vp_conf_key *kd = K(VP_SECT_HOST, "dedicated_cpus");
        const vp_conf_key *ks = K(VP_SECT_HOST, "shared_cpus");
        const vp_conf_entry *er = NULL, *ed = NULL, *es = NULL;
        for (size_t i = 0; i < L->host.n; i++) {
                const vp_conf_entry *e = &L->host.e[i];
                if (e->skip)
                        continue;
                if (e->row == kr)
                        er = e;
                else if (e->row == kd)
                        ed = e;
                else if (e->row == ks)
                        es = e;
        }
        char buf[256];
        if (er && ed && vp_cpuset_intersects(&h->reserved_cpus, &h->dedicated_cpus)) {
                vp_cpuset both = h->reserved_cpus;
                vp_cpuset_and(&both, &h->dedicated_cpus);
                vp_cl_eerr(L, ed, "overlaps reserved_cpus (line %u) on CPUs %s", er->line,
                           vp_cpuset_fmt(&both, buf, sizeof(buf)));
        }
        if (er && es && vp_cpuset_intersects(&h->reserved_cpus, &h->shared_cpus)) {
                vp_cpuset both = h->reserved_cpus;
                vp_cpuset_and(&both, &h->shared_cpus);
                vp_cl_eerr(L, es, "overlaps reserved_cpus (line %u) on CPUs %s", er->line,
                           vp_cpuset_fmt(&both, buf, sizeof(buf)));
        }
}

void vp_confcheck_values(vp_confload *L, vp_conf_file *f)
{
        vp_profile scratch = {0};
        for (size_t k = 0; k < f->n; k++) {
                vp_conf_entry *e = &f->e[k];
                vp_error err = {0};
                if (e->skip)
                        continue;
                if (vp_conf_apply(e->row, e->id, &scratch, e->value, &err) < 0) {
                        vp_cl_eerr(L, e, "%s", err.msg);
                        e->skip = e->bad = true;
                }
        }
        vp_profile_free(&scratch);
        vp_conf_entry *cells = NULL;
        const vp_conf_entry *cell = NULL;
        for (size_t k = 0; k < f->n; k++) {
                unsigned fl = f->e[k].row->flags;
                if ((fl & VP_CONF_CELLS_FORM) && !f->e[k].skip)
                        cells = &f->e[k];
                if ((fl & VP_CONF_CELL_KEY) && !cell)
                        cell = &f->e[k];
        }
        if (cells && cell) {
                vp_cl_eerr(L, cells,
                           "cannot be combined with explicit cell.N.* keys (%s at line %u)",
                           cell->key, cell->line);
                cells->skip = cells->bad = true;
        }
}

/* A rejected value was already reported: do not pile consequences on it. */
static bool said_bad(const vp_conf_rlist *r, const vp_conf_key *row, unsigned id)
{
        const vp_conf_entry *e = vp_rlist_find(r, row, id);
        return e && e->bad;
}

static bool any_bad(const vp_conf_rlist *r, const vp_conf_key *row)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->e[i]->row == row && r->e[i]->bad)
                        return true;
        return false;
}

void vp_confcheck_profile(vp_confload *L, const vp_conf_file *f, const vp_conf_rlist *r,
                          const vp_profile *p)
{
        const vp_conf_entry *e;
        char buf[128];
        const vp_conf_key *k_cpu_policy = K(VP_SECT_PLACEMENT, "cpu_policy");
        const vp_conf_key *k_thread_policy = K(VP_SECT_PLACEMENT, "thread_policy");
        const vp_conf_key *k_emu_policy = K(VP_SECT_PLACEMENT, "emulator_policy");
        const vp_conf_key *k_isolation = K(VP_SECT_PLACEMENT, "isolation");
        const vp_conf_key *k_numa_nodes = K(VP_SECT_PLACEMENT, "numa_nodes");
        const vp_conf_key *k_cells = K(VP_SECT_GUEST_NUMA, "cells");
        const vp_conf_key *k_cell_cpus = KID(VP_SECT_GUEST_NUMA, "cell.", ".cpus");
        const vp_conf_key *k_cell_memory = KID(VP_SECT_GUEST_NUMA, "cell.", ".memory");

        bool policy_bad = said_bad(r, k_cpu_policy, 0);
        if (p->thread_policy && p->cpu_policy != VP_CPU_DEDICATED && !policy_bad &&
            (e = vp_rlist_find(r, k_thread_policy, 0)))
                vp_cl_perr(L, f, e,
                           "only meaningful with cpu_policy = dedicated (cpu_policy is %s)",
                           p->cpu_policy ? vp_cpu_policy_name(p->cpu_policy) : "not set");
        if (p->emulator_policy && p->cpu_policy != VP_CPU_DEDICATED && !policy_bad &&
            (e = vp_rlist_find(r, k_emu_policy, 0)))
                vp_cl_perr(L, f, e,
                           "only meaningful with cpu_policy = dedicated (cpu_policy is %s)",
                           p->cpu_policy ? vp_cpu_policy_name(p->cpu_policy) : "not set");

        /* only dedicated CPUs are one VM's: a shared pool cannot be taken
         * from the host for one VM */
        if (p->isolation == VP_ISOLATION_HOST && p->cpu_policy != VP_CPU_DEDICATED && !policy_bad &&
            (e = vp_rlist_find(r, k_isolation, 0)))
                vp_cl_perr(L, f, e,
                           "isolation = host needs cpu_policy = dedicated (cpu_policy is %s)",
                           p->cpu_policy ? vp_cpu_policy_name(p->cpu_policy) : "not set");
        /* vmplace-agent applies part of it so far (docs/isolation.md): say
         * what is not done rather than let an admin believe the CPUs are
         * shielded from host tasks */
        else if (p->isolation == VP_ISOLATION_HOST && (e = vp_rlist_find(r, k_isolation, 0)))
                vp_cl_warn(L, e->f, e->line,
                           "isolation = host: vmplace-agent moves IRQs and the unbound workqueues "
                           "off this profile's CPUs; host tasks are not moved yet");

        const vp_tune *t = &p->tune;
        if (p->cells_kind == VP_CELLS_EXPLICIT) {
                bool gap_said = any_bad(r, k_cell_cpus) || any_bad(r, k_cell_memory);
                for (size_t k = 0; k < t->n_cells; k++) {
                        const vp_cell *c = &t->cells[k];
                        const vp_conf_entry *ec = vp_rlist_find(r, k_cell_cpus, c->id);
                        const vp_conf_entry *em = vp_rlist_find(r, k_cell_memory, c->id);
                        if (c->cpus_set && !c->memory_set && ec &&
                            !said_bad(r, k_cell_memory, c->id))
                                vp_cl_perr(L, f, ec,
                                           "cell %u has no cell.%u.memory (a cell needs both)",
                                           c->id, c->id);
                        if (!c->cpus_set && c->memory_set && em && !said_bad(r, k_cell_cpus, c->id))
                                vp_cl_perr(L, f, em,
                                           "cell %u has no cell.%u.cpus (a cell needs both)", c->id,
                                           c->id);
                        if (c->id != k && !gap_said && (ec || em)) {
                                vp_cl_perr(
                                    L, f, ec ? ec : em,
                                    "guest cell ids must be contiguous from 0 (no cell.%zu.*)", k);
                                gap_said = true;
                        }
                        for (size_t j = 0; j < k && c->cpus_set && ec; j++) {
                                if (!t->cells[j].cpus_set ||
                                    !vp_cpuset_intersects(&t->cells[j].cpus, &c->cpus))
                                        continue;
                                vp_cpuset both = c->cpus;
                                vp_cpuset_and(&both, &t->cells[j].cpus);
                                vp_cl_perr(L, f, ec, "overlaps cell.%u.cpus on vCPUs %s",
                                           t->cells[j].id, vp_cpuset_fmt(&both, buf, sizeof(buf)));
                        }
                }
        }

        if (p->numa_nodes > 1) {
                if (p->cells_kind == VP_CELLS_COUNT && p->cells_count != p->numa_nodes &&
                    (e = vp_rlist_find(r, k_cells, 0)))
                        vp_cl_perr(L, f, e,
                                   "%u cells but numa_nodes = %u (guest cells map 1:1 to host "
                                   "nodes)",
                                   p->cells_count, p->numa_nodes);
                if (p->cells_kind == VP_CELLS_EXPLICIT && t->n_cells != p->numa_nodes &&
                    (e = vp_rlist_find(r, k_numa_nodes, 0)))
                        vp_cl_perr(L, f, e,
                                   "%u host nodes but %zu explicit guest cells (guest cells map "
                                   "1:1 to host nodes)",
                                   p->numa_nodes, t->n_cells);
        }

        /* memnode.N names guest cell N: it must exist when the count is known */
        long known = -1;
        switch (p->cells_kind) {
        case VP_CELLS_NONE:
                known = 0;
                snprintf(buf, sizeof(buf), "cells = none");
                break;
        case VP_CELLS_COUNT:
                known = p->cells_count;
                snprintf(buf, sizeof(buf), "cells = %u", p->cells_count);
                break;
        case VP_CELLS_AUTO:
                if (said_bad(r, k_numa_nodes, 0))
                        break;
                known = p->numa_nodes ? p->numa_nodes : 1;
                snprintf(buf, sizeof(buf), "cells = auto with numa_nodes = %ld", known);
                break;
        case VP_CELLS_EXPLICIT:
                known = (long)t->n_cells;
                snprintf(buf, sizeof(buf), "%zu explicit cells", t->n_cells);
                break;
        case VP_CELLS_UNSET:
                break;
        }
        const vp_conf_key *k_mm = known >= 0 ? KID(VP_SECT_NUMATUNE, "memnode.", ".mode") : NULL;
        const vp_conf_key *k_mn = known >= 0 ? KID(VP_SECT_NUMATUNE, "memnode.", ".nodeset") : NULL;
        for (size_t k = 0; known >= 0 && k < t->n_memnodes; k++) {
                unsigned id = t->memnodes[k].cellid;
                if ((long)id < known)
                        continue;
                e = vp_rlist_find(r, k_mm, id);
                if (!e)
                        e = vp_rlist_find(r, k_mn, id);
                if (e)
                        vp_cl_perr(L, f, e, "no guest cell %u (%s)", id, buf);
        }
}

/* The glob of p that ties with g: the same text, or one that matches the
 * other read literally ("db-*" and "db-1*", "*" and anything), so some
 * domain name matches both. NULL when none. (Two globs can also overlap
 * without either matching the other, e.g. "a*" and "*b"; those are not
 * found.) */
static const char *tie_glob(const vp_profile *p, const char *g)
{
        for (size_t i = 0; i < p->n_names; i++)
                if (strcmp(p->names[i], g) == 0 || fnmatch(p->names[i], g, 0) == 0 ||
                    fnmatch(g, p->names[i], 0) == 0)
                        return p->names[i];
        return NULL;
}

/* Equal-priority ties that the lexical rule decides: worth a warning, once
 * per losing profile and glob, naming the winner. */
void vp_confcheck_ties(vp_confload *L, const vp_profile *ps, const vp_conf_rlist *res, size_t n)
{
        const vp_conf_key *k_names = K(VP_SECT_MATCH, "names");
        const vp_conf_key *k_metadata = K(VP_SECT_MATCH, "metadata");
        for (size_t j = 0; j < n; j++) {
                int pj = vp_profile_priority(&ps[j]);
                const vp_conf_entry *e = vp_rlist_find(&res[j], k_names, 0);
                for (size_t a = 0; e && a < ps[j].n_names; a++)
                        for (size_t i = 0; i < j; i++) {
                                const char *g = vp_profile_priority(&ps[i]) == pj
                                                    ? tie_glob(&ps[i], ps[j].names[a])
                                                    : NULL;
                                if (!g)
                                        continue;
                                if (strcmp(g, ps[j].names[a]) == 0)
                                        vp_cl_warn(L, e->f, e->line,
                                                   "names: profile '%s' never matches by '%s': "
                                                   "profile '%s' has the same glob and priority "
                                                   "%d and wins (lexically first)",
                                                   ps[j].name, ps[j].names[a], ps[i].name, pj);
                                else
                                        vp_cl_warn(L, e->f, e->line,
                                                   "names: '%s' of profile '%s' overlaps '%s' of "
                                                   "profile '%s' at the same priority %d: a "
                                                   "domain matching both gets '%s' (lexically "
                                                   "first); set priority to choose",
                                                   ps[j].names[a], ps[j].name, g, ps[i].name, pj,
                                                   ps[i].name);
                                break;
                        }
                e = vp_rlist_find(&res[j], k_metadata, 0);
                for (size_t i = 0; e && ps[j].metadata && i < j; i++)
                        if (vp_profile_priority(&ps[i]) == pj && ps[i].metadata &&
                            strcmp(ps[i].metadata, ps[j].metadata) == 0) {
                                vp_cl_warn(L, e->f, e->line,
                                           "metadata: profile '%s' never matches by metadata "
                                           "'%s': profile '%s' has the same metadata and "
                                           "priority %d and wins (lexically first)",
                                           ps[j].name, ps[j].metadata, ps[i].name, pj);
                                break;
                        }
        }
}

void vp_confcheck_default_profile(vp_confload *L)
{
        const vp_conf_key *k = K(VP_SECT_HOST, "default_profile");
        const vp_conf_entry *dp = NULL;
        for (size_t i = 0; i < L->host.n; i++)
                if (L->host.e[i].row == k && !L->host.e[i].skip)
                        dp = &L->host.e[i];
        if (dp && vp_cl_find_file(L, dp->value) < 0)
                vp_cl_eerr(L, dp, "no profile '%s' (no profiles.d/%s.ini)", dp->value, dp->value);
}
