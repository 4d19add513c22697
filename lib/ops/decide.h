/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The deciding flow shared by the hook (prepare, migrate, restore) and
 * `vmplace plan`: config -> domain -> profile match -> topology -> ledger ->
 * plan -> rewritten XML, and (when committing) the ledger entry and state
 * files, all under the ledger lock. */
#ifndef VMPLACE_DECIDE_H
#define VMPLACE_DECIDE_H

#include <stdbool.h>

#include "config.h"
#include "domain.h"
#include "ledger.h"
#include "paths.h"
#include "plan.h"
#include "running.h"
#include "topology.h"

enum {
        VP_DECIDE_COMMIT = 1u << 0,    /* record the plan in the ledger and state files */
        VP_DECIDE_ABI_FIXED = 1u << 1, /* migrate/restore: keep guest NUMA cells */
        VP_DECIDE_DIFF = 1u << 2,      /* also produce the XML diff (plan) */
        /* apply, sync: the domain's own ledger entry becomes its "previous"
         * record before planning, so a running VM keeps its CPUs when they
         * still fit the profile instead of moving for no reason. */
        VP_DECIDE_REPLAN = 1u << 3,
        /* apply, and the hook's re-plans at started and reconnect: the
         * domain must be running, checked under the lock (I6: it may have
         * stopped, and its entry been released, since the caller looked);
         * -ESRCH when it is not, with nothing committed. */
        VP_DECIDE_RUNNING = 1u << 4,
};

typedef struct vp_decision {
        vp_config *cfg;
        vp_domain *dom;
        const vp_profile *profile; /* NULL: unmanaged (nothing else is loaded) */
        char *matched_by;
        vp_topology *topo;
        vp_ledger ledger;
        vp_plan plan;
        bool planned;
        vp_on_error on_error; /* the profile's, else the host's */
        char *xml_out;        /* the rewritten domain XML (NULL on refusal) */
        char *xml_diff;       /* with VP_DECIDE_DIFF */
        bool committed;
        size_t refloated;         /* floating VMs whose CPUs the commit narrowed or widened */
        vp_unrecorded unrecorded; /* I3: running VMs without an entry */
} vp_decision;

/* Run the flow on xml[0..len). Returns 0 when a decision was reached (check
 * d->profile for "unmanaged" and d->plan.refusal for "cannot fit"), or
 * -errno when something prevented deciding (bad config, bad XML, unreadable
 * topology, corrupt ledger, I/O), with err holding a one-line reason.
 * vp_decision_free must be called either way. */
int vp_decide(const vp_paths *paths, const char *xml, size_t len, unsigned flags, vp_decision *d,
              vp_error *err);
void vp_decision_free(vp_decision *d);

/* Remove a domain's ledger entry and state files (hook stopped/release),
 * and when it held CPUs widen the floating VMs' sets in the ledger. uuid may
 * be NULL: then the entry is found by name. Returns 1 when held CPUs were
 * freed (floating VMs need re-enforcing), 0 otherwise (also when there was
 * nothing to remove), or -errno. */
int vp_release(const vp_paths *paths, const char *name, const char *uuid, vp_error *err);

#endif
