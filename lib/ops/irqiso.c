/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "irqiso.h"

#include <errno.h>

#include "irq.h"

void vp_irqiso_report_free(vp_irqiso_report *r)
{
        for (size_t i = 0; i < r->n_refused; i++)
                free(r->refused[i].actions);
        free(r->refused);
        *r = (vp_irqiso_report){0};
}

static void add_refusal(vp_irqiso_report *rep, const vp_irq *q, int code)
{
        rep->refused = vp_xrealloc(rep->refused, (rep->n_refused + 1) * sizeof(*rep->refused));
        rep->refused[rep->n_refused++] =
            (vp_irqiso_refusal){.irq = q->irq, .code = code, .actions = vp_xstrdup(q->actions)};
}

/* Keep the first failure of a pass that goes on after it. */
static void keep_first(int r, const vp_error *e, int *first, vp_error *err)
{
        if (r >= 0 || *first < 0)
                return;
        *first = r;
        if (err)
                *err = *e;
}

/* Narrow one hex mask; its original goes to m when it was written. An
 * absent file is no failure: old kernels have no workqueue mask. */
static int narrow_mask(const vp_paths *p, vp_hostmask which, const vp_cpuset *isolated,
                       const vp_cpuset *housekeeping, vp_isolation_mask *m, vp_error *err)
{
        vp_cpuset orig, now;
        unsigned nbits = 0;
        int r = vp_hostmask_read(p, which, &orig, &nbits, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!vp_isolation_narrow(&orig, isolated, housekeeping, &now))
                return 0;
        r = vp_hostmask_write(p, which, &now, nbits, err);
        if (r < 0)
                return r;
        *m = (vp_isolation_mask){.changed = true, .nbits = nbits, .orig = orig};
        return 0;
}

/* Set (or put back) one IRQ's list, counting what happened in rep.
 * Returns whether it was written. */
static bool set_irq(const vp_paths *p, const vp_irq *q, const vp_cpuset *set, vp_irqiso_report *rep)
{
        vp_error e = {0};
        int r = vp_irq_set_affinity(p->proc, q->irq, set, &e);
        if (r == 0) {
                rep->n_changed++;
                return true;
        }
        if (r == -ENOENT)
                rep->n_vanished++;
        else
                add_refusal(rep, q, r);
        return false;
}

int vp_irqiso_apply(const vp_paths *p, const vp_cpuset *isolated, const vp_cpuset *housekeeping,
                    vp_isolation_record *rec, vp_irqiso_report *rep, vp_error *err)
{
        *rec = (vp_isolation_record){0};
        *rep = (vp_irqiso_report){0};
        if (vp_cpuset_empty(housekeeping) || vp_cpuset_intersects(housekeeping, isolated)) {
                char h[256], i[256];
                return vp_error_set(err, -EINVAL,
                                    "cannot isolate CPUs %s with housekeeping CPUs '%s': the "
                                    "host needs CPUs of its own",
                                    vp_cpuset_fmt(isolated, i, sizeof(i)),
                                    vp_cpuset_fmt(housekeeping, h, sizeof(h)));
        }
        rec->isolated = *isolated;
        rec->housekeeping = *housekeeping;
        int first = 0;
        vp_error e = {0};
        int r =
            narrow_mask(p, VP_HOSTMASK_IRQ_DEFAULT, isolated, housekeeping, &rec->irq_default, &e);
        keep_first(r, &e, &first, err);

        vp_irq_list l = {0};
        r = vp_irq_list_read(p->proc, &l, &e);
        keep_first(r, &e, &first, err);
        for (size_t k = 0; r == 0 && k < l.n; k++) {
                const vp_irq *q = &l.v[k];
                vp_cpuset now;
                if (!vp_isolation_narrow(&q->affinity, isolated, housekeeping, &now)) {
                        rep->n_kept++;
                        continue;
                }
                if (set_irq(p, q, &now, rep))
                        vp_isolation_record_add_irq(rec, q->irq, &q->affinity);
        }
        vp_irq_list_free(&l);

        r = narrow_mask(p, VP_HOSTMASK_WORKQUEUE, isolated, housekeeping, &rec->workqueue, &e);
        keep_first(r, &e, &first, err);
        return first;
}

/* The listed IRQ numbered irq, or NULL (l is sorted). */
static const vp_irq *find_irq(const vp_irq_list *l, unsigned irq)
{
        size_t lo = 0, hi = l->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (l->v[mid].irq == irq)
                        return &l->v[mid];
                if (l->v[mid].irq < irq)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static int restore_mask(const vp_paths *p, vp_hostmask which, const vp_isolation_mask *m,
                        vp_error *err)
{
        if (!m->changed)
                return 0;
        return vp_hostmask_write(p, which, &m->orig, m->nbits, err);
}

int vp_irqiso_restore(const vp_paths *p, const vp_isolation_record *rec, vp_irqiso_report *rep,
                      vp_error *err)
{
        *rep = (vp_irqiso_report){0};
        int first = 0;
        vp_error e = {0};
        vp_irq_list l = {0};
        int r = rec->n_irqs ? vp_irq_list_read(p->proc, &l, &e) : 0;
        keep_first(r, &e, &first, err);
        for (size_t k = 0; r == 0 && k < rec->n_irqs; k++) {
                const vp_irq *q = find_irq(&l, rec->irqs[k].irq);
                if (!q) {
                        rep->n_vanished++;
                        continue;
                }
                vp_cpuset orig = vp_cpumask_get(&rec->irqs[k].orig);
                if (vp_cpuset_equal(&orig, &q->affinity))
                        rep->n_kept++;
                else
                        set_irq(p, q, &orig, rep);
        }
        vp_irq_list_free(&l);
        /* the reverse of apply's order: the default mask comes back last, so
         * that an IRQ registered during the restore still starts off the
         * isolated CPUs */
        r = restore_mask(p, VP_HOSTMASK_WORKQUEUE, &rec->workqueue, &e);
        keep_first(r, &e, &first, err);
        r = restore_mask(p, VP_HOSTMASK_IRQ_DEFAULT, &rec->irq_default, &e);
        keep_first(r, &e, &first, err);
        return first;
}
