/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Isolation's pass (docs/isolation.md): bring the host to the isolated set
 * the ledger implies, from the record in RUNDIR/isolation.json. vmplace-agent
 * calls it on every pass; so far it moves IRQs, the default IRQ mask and
 * the unbound workqueues (ops/irqiso.h), not host tasks. */
#ifndef VMPLACE_ISOLATE_H
#define VMPLACE_ISOLATE_H

#include <stdbool.h>

#include "cpuset.h"
#include "irqiso.h"
#include "paths.h"

typedef struct vp_isolate_result {
        vp_cpuset isolated;      /* the set the ledger implies (empty: nothing isolated) */
        bool was_isolated;       /* a record was in force before the pass */
        vp_irqiso_report report; /* what the IRQ step did */
} vp_isolate_result;

void vp_isolate_result_free(vp_isolate_result *r);

/* One pass under p's roots: the isolated set is the union of the CPUs the
 * ledger's isolated entries hold; housekeeping is the online CPUs (sysfs
 * devices/system/cpu/online) minus it. With a set: apply it (from the
 * record in force, when there is one) and save the record. Without one:
 * restore the record in force, and remove it once everything is back (a
 * refused write keeps what is left for the next pass). Returns 0, or
 * -errno with err: the ledger or the record unreadable, no online CPU left
 * to the host (nothing is changed then), a step that failed (what was
 * changed is recorded all the same). */
int vp_isolate_pass(const vp_paths *p, vp_isolate_result *res, vp_error *err);

#endif
