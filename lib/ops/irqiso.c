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

/* Bring one hex mask to what isolated and housekeeping make of its
 * original: prev's when prev changed it (the file then shows the narrowed
 * mask), else what the file holds. *m gets the original when the mask is
 * left other than it. An absent file is no failure: old kernels have no
 * workqueue mask. only_prev: leave a mask prev did not change alone. */
static int narrow_mask(const vp_paths *p, vp_hostmask which, const vp_cpuset *isolated,
                       const vp_cpuset *housekeeping, const vp_isolation_mask *prev, bool only_prev,
                       vp_isolation_mask *m, vp_error *err)
{
        *m = (vp_isolation_mask){0};
        if (only_prev && !prev->changed)
                return 0;
        vp_cpuset cur, now;
        unsigned nbits = 0;
        int r = vp_hostmask_read(p, which, &cur, &nbits, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        vp_cpuset orig = prev->changed ? prev->orig : cur;
        if (prev->changed)
                nbits = prev->nbits;
        vp_isolation_narrow(&orig, isolated, housekeeping, &now);
        if (!vp_cpuset_equal(&now, &cur)) {
                r = vp_hostmask_write(p, which, &now, nbits, err);
                if (r == 0)
                        cur = now;
        }
        if (!vp_cpuset_equal(&cur, &orig))
                *m = (vp_isolation_mask){.changed = true, .nbits = nbits, .orig = orig};
        return r;
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

/* Apply and restore in one: every IRQ and mask brought to what isolated
 * and housekeeping make of its original (prev's, or the kernel's now), and
 * rec given the original of whatever is left other than it (a refused
 * write included: it still holds prev's narrowed list). The listing and
 * prev's IRQs are both sorted: one walk over the two. */
static int bring(const vp_paths *p, const vp_cpuset *isolated, const vp_cpuset *housekeeping,
                 const vp_isolation_record *prev, bool only_prev, vp_isolation_record *rec,
                 vp_irqiso_report *rep, vp_error *err)
{
        static const vp_isolation_record none;
        if (!prev)
                prev = &none;
        rec->isolated = *isolated;
        rec->housekeeping = *housekeeping;
        int first = 0;
        vp_error e = {0};
        int r = narrow_mask(p, VP_HOSTMASK_IRQ_DEFAULT, isolated, housekeeping, &prev->irq_default,
                            only_prev, &rec->irq_default, &e);
        keep_first(r, &e, &first, err);

        vp_irq_list l = {0};
        r = vp_irq_list_read(p->proc, &l, &e);
        keep_first(r, &e, &first, err);
        size_t j = 0;
        for (size_t k = 0; r == 0 && k < l.n; k++) {
                const vp_irq *q = &l.v[k];
                for (; j < prev->n_irqs && prev->irqs[j].irq < q->irq; j++)
                        rep->n_vanished++;
                bool held = j < prev->n_irqs && prev->irqs[j].irq == q->irq;
                if (only_prev && !held)
                        continue;
                vp_cpuset orig = held ? vp_cpumask_get(&prev->irqs[j++].orig) : q->affinity;
                vp_cpuset now, final = q->affinity;
                vp_isolation_narrow(&orig, isolated, housekeeping, &now);
                if (vp_cpuset_equal(&now, &q->affinity))
                        rep->n_kept++;
                else if (set_irq(p, q, &now, rep))
                        final = now;
                if (!vp_cpuset_equal(&final, &orig))
                        vp_isolation_record_add_irq(rec, q->irq, &orig);
        }
        if (r == 0)
                rep->n_vanished += prev->n_irqs - j;
        vp_irq_list_free(&l);

        r = narrow_mask(p, VP_HOSTMASK_WORKQUEUE, isolated, housekeeping, &prev->workqueue,
                        only_prev, &rec->workqueue, &e);
        keep_first(r, &e, &first, err);
        return first;
}

int vp_irqiso_apply(const vp_paths *p, const vp_cpuset *isolated, const vp_cpuset *housekeeping,
                    const vp_isolation_record *prev, vp_isolation_record *rec,
                    vp_irqiso_report *rep, vp_error *err)
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
        return bring(p, isolated, housekeeping, prev, false, rec, rep, err);
}

int vp_irqiso_restore(const vp_paths *p, const vp_isolation_record *rec, vp_isolation_record *left,
                      vp_irqiso_report *rep, vp_error *err)
{
        vp_isolation_record tmp = {0};
        if (!left)
                left = &tmp;
        *left = (vp_isolation_record){0};
        *rep = (vp_irqiso_report){0};
        /* nothing isolated: every original comes back as it is */
        vp_cpuset none;
        vp_cpuset_zero(&none);
        int r = bring(p, &none, &rec->housekeeping, rec, true, left, rep, err);
        vp_isolation_record_free(&tmp);
        return r;
}
