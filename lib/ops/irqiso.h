/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Isolation's IRQ and workqueue step (docs/isolation.md, "What moves"):
 * take the isolated CPUs away from every movable IRQ, from the mask new
 * IRQs get and from the unbound workqueues, recording the originals; and
 * put them back from that record. The agent calls it; the record is what
 * it keeps in RUNDIR/isolation.json. */
#ifndef VMPLACE_IRQISO_H
#define VMPLACE_IRQISO_H

#include <stddef.h>

#include "cpuset.h"
#include "isolation.h"
#include "paths.h"

/* An IRQ whose write the kernel refused (a managed or per-CPU IRQ on
 * apply): it stays where it was, and is reported, not an error. */
typedef struct vp_irqiso_refusal {
        unsigned irq;
        int code;      /* the write's negative errno (-EIO for a managed IRQ) */
        char *actions; /* its handlers' names, comma-separated ("" for none) */
} vp_irqiso_refusal;

/* What a pass did, IRQ by IRQ. */
typedef struct vp_irqiso_report {
        vp_irqiso_refusal *refused; /* sorted by irq */
        size_t n_refused;
        size_t n_changed;  /* IRQs written */
        size_t n_kept;     /* IRQs that needed no write */
        size_t n_vanished; /* IRQs gone between the listing and the write (apply), or
                            * since the record was made (restore) */
} vp_irqiso_report;

void vp_irqiso_report_free(vp_irqiso_report *r);

/* Take the CPUs isolated from the host's IRQs and workqueues, under p's
 * roots (proc; sysfs, or /sys): the default IRQ mask first (an IRQ that
 * appears meanwhile starts off the isolated CPUs), then every IRQ's list,
 * then the workqueue mask, each brought to vp_isolation_narrow of its
 * original (the remainder, or housekeeping when nothing is left).
 *
 * The original is the kernel's value now, or prev's record of it when prev
 * (may be NULL) is the record of an isolation still applied: the agent
 * passes it when the isolated set changes, so that the host never gets the
 * CPUs back in between and a CPU no longer isolated is returned to what
 * had it (an IRQ then back at its original is written and dropped from the
 * record; one of prev's that is no longer listed counts as vanished).
 *
 * *rec (zeroed first) gets the sets and the original of everything left
 * other than its original, a write the kernel refused included (it still
 * holds prev's value); *rep (zeroed first) what happened IRQ by IRQ: a
 * refused IRQ is listed there and the others are still applied. An absent
 * workqueue mask (kernel before 4.2) is skipped. Every step is attempted;
 * returns 0, or -EINVAL with nothing written when housekeeping is empty or
 * meets isolated, or the first failure's -errno (/proc/irq unreadable, a
 * hex mask unreadable or refused) with err saying it: *rec then still
 * holds what was changed, for vp_irqiso_restore. */
int vp_irqiso_apply(const vp_paths *p, const vp_cpuset *isolated, const vp_cpuset *housekeeping,
                    const vp_isolation_record *prev, vp_isolation_record *rec,
                    vp_irqiso_report *rep, vp_error *err);

/* Write back every original rec holds and nothing else: the IRQs' lists
 * (an IRQ gone since is counted as vanished and skipped; one that already
 * has its original is not written), the default and workqueue masks, as
 * wide as they were read. *rep (zeroed first) says what happened; a refused
 * IRQ is listed there. *left (zeroed first; may be NULL) is what is still
 * not back, in rec's form: empty when all is restored (the agent then
 * removes isolation.json), else what to keep for another try. Every step is
 * attempted; returns 0, or the first failure's -errno (/proc/irq
 * unreadable, a hex mask refused or unreadable) with err. */
int vp_irqiso_restore(const vp_paths *p, const vp_isolation_record *rec, vp_isolation_record *left,
                      vp_irqiso_report *rep, vp_error *err);

#endif
